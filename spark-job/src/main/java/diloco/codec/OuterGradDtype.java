package diloco.codec;

/** The number format of the outer gradients workers send ({@code --outer-grad-dtype}). */
public enum OuterGradDtype {
    FP32(4), BF16(2), INT8(1);

    private final int bytesPerValue;

    OuterGradDtype(int bytesPerValue) {
        this.bytesPerValue = bytesPerValue;
    }

    public int bytesPerValue() {
        return bytesPerValue;
    }
}
