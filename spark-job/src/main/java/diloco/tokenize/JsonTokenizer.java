package diloco.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import diloco.io.HadoopFiles;
import diloco.io.Json;
import diloco.option.UserError;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Hugging Face {@code tokenizer.json}, encoded by the Rust tokenizers library through DJL
 * ({@code ai.djl.huggingface:tokenizers}, whose jar carries the native code): the same tokenizer
 * {@code transformers} would run. No special tokens are added (training sees the text alone).
 *
 * <p>A string cannot hold invalid UTF-8, so text is cut at invalid bytes ({@link Utf8Runs}): the
 * valid runs are encoded as text, and an invalid byte becomes its byte token in a byte-level
 * vocabulary (exactly recoverable) or the replacement character otherwise. Byte-level tokenizers
 * decode here, symbol by symbol, so decode(encode(t)) = t for any bytes; others decode in Rust.
 */
public final class JsonTokenizer implements Tokenizer {
    private static final long serialVersionUID = 1L;
    /** One native tokenizer per file per JVM: executors load each once, however many tasks use it. */
    private static final Map<String, HuggingFaceTokenizer> NATIVE = new ConcurrentHashMap<>();
    private static final byte[] REPLACEMENT = "\uFFFD".getBytes(StandardCharsets.UTF_8);

    private final String name;
    private final byte[] json;
    private final String sha256;
    private final int vocabSize;
    /** For byte-level vocabularies: each id's bytes; null otherwise. */
    private final byte[][] idBytes;
    /** For byte-level vocabularies: the id of each single byte; null otherwise. */
    private final int[] byteIds;

    private JsonTokenizer(String name, byte[] json, String sha256, int vocabSize, byte[][] idBytes, int[] byteIds) {
        this.name = name;
        this.json = json;
        this.sha256 = sha256;
        this.vocabSize = vocabSize;
        this.idBytes = idBytes;
        this.byteIds = byteIds;
    }

    /**
     * The tokenizer of a tokenizer.json's contents; {@code name} says where it came from. Throws
     * {@link UserError} when the file is not one the Rust library loads.
     */
    @SuppressWarnings("unchecked")
    public static JsonTokenizer of(String name, byte[] json) {
        Map<String, Object> file;
        try {
            file = Json.parseObject(new String(json, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UserError("--tokenizer " + name + " is not JSON: " + firstLine(e));
        }
        UserError.check(file.get("model") instanceof Map, "--tokenizer %s has no \"model\": not a tokenizer.json", name);
        Map<String, Object> model = (Map<String, Object>) file.get("model");
        List<String> symbols = new ArrayList<>();
        Object vocab = model.get("vocab");
        if (vocab instanceof Map<?, ?> byId) { // BPE, WordPiece, WordLevel: symbol -> id
            for (Map.Entry<?, ?> e : byId.entrySet()) {
                put(symbols, ((Number) e.getValue()).intValue(), (String) e.getKey());
            }
        } else if (vocab instanceof List<?> pieces) { // Unigram: [[piece, score], ...] by id
            for (int i = 0; i < pieces.size(); i++) {
                put(symbols, i, (String) ((List<?>) pieces.get(i)).get(0));
            }
        }
        List<String> added = new ArrayList<>();
        if (file.get("added_tokens") instanceof List<?> tokens) {
            for (Object t : tokens) {
                Map<String, Object> token = (Map<String, Object>) t;
                put(added, ((Number) token.get("id")).intValue(), (String) token.get("content"));
            }
        }
        int vocabSize = Math.max(symbols.size(), added.size());
        UserError.check(vocabSize >= 2, "--tokenizer %s has an empty vocabulary", name);
        String sha = HadoopFiles.sha256(json);
        byte[][] idBytes = null;
        int[] byteIds = null;
        if (byteLevel(file.get("decoder"))) {
            idBytes = new byte[vocabSize][];
            byteIds = new int[256];
            Arrays.fill(byteIds, -1);
            for (int id = 0; id < vocabSize; id++) {
                String a = id < added.size() ? added.get(id) : null;
                String s = id < symbols.size() ? symbols.get(id) : null;
                idBytes[id] = a != null ? a.getBytes(StandardCharsets.UTF_8) : s != null ? ByteSymbols.bytes(s) : null;
                if (a == null && idBytes[id] != null && idBytes[id].length == 1) {
                    byteIds[idBytes[id][0] & 0xff] = id;
                }
            }
        }
        JsonTokenizer t = new JsonTokenizer(name, json.clone(), sha, vocabSize, idBytes, byteIds);
        t.nativeTokenizer(); // the Rust library's own checks, now rather than on an executor
        return t;
    }

    private static void put(List<String> byId, int id, String value) {
        while (byId.size() <= id) {
            byId.add(null);
        }
        byId.set(id, value);
    }

    @SuppressWarnings("unchecked")
    private static boolean byteLevel(Object decoder) {
        if (!(decoder instanceof Map)) {
            return false;
        }
        Map<String, Object> d = (Map<String, Object>) decoder;
        if ("ByteLevel".equals(d.get("type"))) {
            return true;
        }
        return d.get("decoders") instanceof List<?> all && all.stream().anyMatch(JsonTokenizer::byteLevel);
    }

    private HuggingFaceTokenizer nativeTokenizer() {
        return NATIVE.computeIfAbsent(sha256, k -> {
            try {
                return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json),
                        Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
            } catch (IOException | RuntimeException e) {
                throw new UserError("--tokenizer " + name + " cannot be loaded: " + firstLine(e));
            }
        });
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int[] encode(byte[] text) {
        HuggingFaceTokenizer t = nativeTokenizer();
        List<long[]> parts = new ArrayList<>();
        int[] total = {0};
        Utf8Runs.scan(text, new Utf8Runs.Visitor() {
            @Override
            public void text(int from, int to) {
                add(t.encode(new String(text, from, to - from, StandardCharsets.UTF_8), false, false).getIds());
            }

            @Override
            public void invalidByte(int at) {
                int id = byteIds == null ? -1 : byteIds[text[at] & 0xff];
                add(id >= 0 ? new long[] {id} : t.encode(new String(REPLACEMENT, StandardCharsets.UTF_8), false, false)
                        .getIds());
            }

            private void add(long[] ids) {
                parts.add(ids);
                total[0] += ids.length;
            }
        });
        int[] ids = new int[total[0]];
        int at = 0;
        for (long[] p : parts) {
            for (long id : p) {
                ids[at++] = (int) id;
            }
        }
        return ids;
    }

    @Override
    public byte[] decode(int[] ids) {
        if (idBytes == null) {
            long[] longs = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                longs[i] = ids[i];
            }
            return nativeTokenizer().decode(longs, false).getBytes(StandardCharsets.UTF_8);
        }
        int n = 0;
        for (int id : ids) {
            n += piece(id).length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (int id : ids) {
            byte[] p = piece(id);
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private byte[] piece(int id) {
        byte[] p = id >= 0 && id < idBytes.length ? idBytes[id] : null;
        if (p == null) {
            throw new IllegalArgumentException("id " + id + " is not in the vocabulary of " + name);
        }
        return p;
    }

    @Override
    public byte[] json() {
        return json.clone();
    }

    @Override
    public String sha256() {
        return sha256;
    }

    private static String firstLine(Exception e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return m.split("\n")[0];
    }
}
