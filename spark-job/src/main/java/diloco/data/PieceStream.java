package diloco.data;

import diloco.io.HadoopConf;
import diloco.io.HadoopFiles;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A worker's pieces of a {@link PreparedDataset} as one token stream. Where it is first read (the
 * worker's task, on its executor) each piece is copied to local disk under its SHA-256, verified
 * against the manifest while copied, and mapped into memory read-only: the tokens live in the page
 * cache, not on the heap, and a piece copied once serves every later round and run on that machine.
 * The local directory is {@code diloco.data.cache} (a system property), else {@code java.io.tmpdir}.
 */
public final class PieceStream implements TokenStream {
    private static final long serialVersionUID = 1L;
    /** Mapped pieces by SHA-256, one per JVM. */
    private static final Map<String, Mapped> OPEN = new ConcurrentHashMap<>();
    private static final int CHUNK_BITS = 30; // 1 GiB mappings; tokens of 2 or 4 bytes never straddle one

    private final HadoopConf conf;
    private final String root;
    private final List<PreparedDataset.Piece> pieces;
    private final int bytesPerToken;
    /** starts[i]: the stream position of piece i's first token; starts[n]: the stream's size. */
    private final long[] starts;
    private transient Mapped[] mapped;

    PieceStream(HadoopConf conf, String root, List<PreparedDataset.Piece> pieces, int bytesPerToken) {
        this.conf = conf;
        this.root = root;
        this.pieces = List.copyOf(pieces);
        this.bytesPerToken = bytesPerToken;
        this.starts = new long[pieces.size() + 1];
        for (int i = 0; i < pieces.size(); i++) {
            starts[i + 1] = starts[i] + pieces.get(i).tokens();
        }
    }

    @Override
    public long size() {
        return starts[pieces.size()];
    }

    @Override
    public int at(long i) {
        if (i < 0 || i >= size()) {
            throw new IndexOutOfBoundsException("token " + i + " of " + size());
        }
        Mapped[] m = open();
        int p = piece(i);
        return m[p].token(i - starts[p]);
    }

    private int piece(long i) {
        int lo = 0;
        int hi = pieces.size() - 1;
        while (lo < hi) { // the last piece starting at or before i
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= i) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        while (pieces.get(lo).tokens() == 0 || starts[lo + 1] <= i) { // skip empty pieces
            lo++;
        }
        return lo;
    }

    private Mapped[] open() {
        Mapped[] m = mapped;
        if (m == null) {
            m = new Mapped[pieces.size()];
            for (int i = 0; i < m.length; i++) {
                PreparedDataset.Piece p = pieces.get(i);
                m[i] = OPEN.computeIfAbsent(p.sha256(), k -> copyAndMap(p));
            }
            mapped = m;
        }
        return m;
    }

    private Mapped copyAndMap(PreparedDataset.Piece p) {
        File dir = new File(System.getProperty("diloco.data.cache", System.getProperty("java.io.tmpdir")), "diloco-data");
        File local = new File(dir, p.sha256() + ".bin");
        try {
            if (!local.isFile() || local.length() != p.fileBytes()) { // named by its digest: present = verified
                Files.createDirectories(dir.toPath());
                File tmp = File.createTempFile(p.sha256(), ".part", dir);
                try {
                    String sha = copy(new Path(root, p.file()), tmp);
                    if (!sha.equals(p.sha256())) {
                        throw new IOException(root + "/" + p.file() + " is damaged: its SHA-256 is " + sha
                                + ", the manifest says " + p.sha256());
                    }
                    Files.move(tmp.toPath(), local.toPath(), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    Files.deleteIfExists(tmp.toPath());
                }
            }
            return new Mapped(local, bytesPerToken);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root + "/" + p.file() + ": " + e.getMessage(), e);
        }
    }

    private String copy(Path from, File to) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        HadoopFiles files = new HadoopFiles(conf.get());
        try (FSDataInputStream in = files.fileSystem(from).open(from);
                OutputStream out = new DigestOutputStream(Files.newOutputStream(to.toPath()), sha)) {
            in.transferTo(out);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** A local token file mapped read-only, in chunks of 1 GiB. */
    private static final class Mapped {
        private final MappedByteBuffer[] chunks;
        private final int bytesPerToken;

        Mapped(File file, int bytesPerToken) throws IOException {
            this.bytesPerToken = bytesPerToken;
            try (FileChannel ch = FileChannel.open(file.toPath(), StandardOpenOption.READ)) {
                long size = ch.size();
                int n = (int) ((size + (1L << CHUNK_BITS) - 1) >>> CHUNK_BITS);
                chunks = new MappedByteBuffer[n];
                for (int c = 0; c < n; c++) {
                    long from = (long) c << CHUNK_BITS;
                    chunks[c] = ch.map(FileChannel.MapMode.READ_ONLY, from, Math.min(1L << CHUNK_BITS, size - from));
                    chunks[c].order(ByteOrder.LITTLE_ENDIAN);
                }
            }
        }

        int token(long i) {
            long at = i * bytesPerToken;
            MappedByteBuffer c = chunks[(int) (at >>> CHUNK_BITS)];
            int in = (int) (at & ((1L << CHUNK_BITS) - 1));
            return bytesPerToken == 2 ? c.getShort(in) & 0xffff : c.getInt(in);
        }
    }
}
