package diloco.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Whole-file writes through the Hadoop FileSystem API, so {@code file://}, {@code hdfs://} and
 * {@code s3a://} behave alike. Files are written to a hidden temporary name and renamed into
 * place: a reader never sees half a file, and a failed write never damages the previous one.
 * (Object stores cannot append: callers rewrite whole files.)
 */
public final class HadoopFiles {
    private final Configuration conf;

    public HadoopFiles(Configuration conf) {
        this.conf = conf;
    }

    /** Size and SHA-256 of a written file. */
    public record Written(long bytes, String sha256) {}

    /** Writes a file produced by {@code body} atomically (temp + rename); returns its size and digest. */
    public Written write(Path target, Body body) throws IOException {
        FileSystem fs = fileSystem(target);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        MessageDigest sha = newSha256();
        CountingOutputStream counted;
        try {
            try (FSDataOutputStream out = fs.create(tmp, false)) {
                counted = new CountingOutputStream(new DigestOutputStream(new BufferedOutputStream(out, 1 << 16), sha));
                body.writeTo(counted);
                counted.flush();
            }
            if (fs.exists(target) && !fs.delete(target, false)) {
                throw new IOException("cannot replace " + target);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("cannot rename " + tmp + " to " + target);
            }
        } finally {
            if (fs.exists(tmp)) {
                fs.delete(tmp, false);
            }
        }
        return new Written(counted.count, hex(sha.digest()));
    }

    public Written writeString(Path target, String text) throws IOException {
        return write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Size and SHA-256 of an existing file, streamed (the file is never held whole). */
    public Written digest(Path path) throws IOException {
        FileSystem fs = fileSystem(path);
        MessageDigest sha = newSha256();
        long n = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = fs.open(path)) {
            for (int r; (r = in.read(buf)) > 0; ) {
                sha.update(buf, 0, r);
                n += r;
            }
        }
        return new Written(n, hex(sha.digest()));
    }

    /** SHA-256 of {@code bytes}, hex. */
    public static String sha256(byte[] bytes) {
        return hex(newSha256().digest(bytes));
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] digest) {
        StringBuilder sb = new StringBuilder();
        for (byte b : digest) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    /** Counts the bytes written through it. */
    private static final class CountingOutputStream extends FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }

    public byte[] read(Path path) throws IOException {
        FileSystem fs = fileSystem(path);
        long len = fs.getFileStatus(path).getLen();
        if (len > Integer.MAX_VALUE - 8) {
            throw new IOException(path + " is too large to read whole: " + len + " bytes");
        }
        byte[] data = new byte[(int) len];
        try (FSDataInputStream in = fs.open(path)) {
            in.readFully(data);
        }
        return data;
    }

    /** True if the path does not exist or is a directory with nothing in it. */
    public boolean isMissingOrEmpty(Path dir) throws IOException {
        FileSystem fs = fileSystem(dir);
        if (!fs.exists(dir)) {
            return true;
        }
        FileStatus st = fs.getFileStatus(dir);
        return st.isDirectory() && fs.listStatus(dir).length == 0;
    }

    /**
     * The path's file system; for local paths the raw one: Hadoop's default local file system
     * writes a hidden {@code .crc} beside every file, and our manifests already carry SHA-256.
     */
    public FileSystem fileSystem(Path p) throws IOException {
        FileSystem fs = p.getFileSystem(conf);
        return fs instanceof LocalFileSystem ? ((LocalFileSystem) fs).getRawFileSystem() : fs;
    }

    /** Produces a file's bytes. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }
}
