package diloco.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.OutputStream;
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

    /** Writes a file produced by {@code body} atomically (temp + rename). */
    public void write(Path target, Body body) throws IOException {
        FileSystem fs = target.getFileSystem(conf);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        try {
            try (FSDataOutputStream out = fs.create(tmp, false)) {
                body.writeTo(out);
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
    }

    public void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    public byte[] read(Path path) throws IOException {
        FileSystem fs = path.getFileSystem(conf);
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
        FileSystem fs = dir.getFileSystem(conf);
        if (!fs.exists(dir)) {
            return true;
        }
        FileStatus st = fs.getFileStatus(dir);
        return st.isDirectory() && fs.listStatus(dir).length == 0;
    }

    public FileSystem fileSystem(Path p) throws IOException {
        return p.getFileSystem(conf);
    }

    /** Produces a file's bytes. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }
}
