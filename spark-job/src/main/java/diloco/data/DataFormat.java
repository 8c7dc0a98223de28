package diloco.data;

/** How documents are read from {@code --data}. */
public enum DataFormat { AUTO, FILES, PARQUET, JSON }
