/*
 * Sets libtorch's float32 matmul precision (at::globalContext().setFloat32MatmulPrecision, what
 * torch.set_float32_matmul_precision sets), which DJL 0.36 does not expose. At "medium", ATen hands
 * fp32 mm/addmm/bmm (forward and backward) to oneDNN on CPUs with AVX-512 (BW, VL, DQ) instead of
 * oneMKL's sgemm; oneDNN may then compute in bfloat16 where the CPU has AMX, so the Java side
 * (diloco.engine.MatmulKernels) keeps it only after checking that products stay exact fp32.
 *
 * libtorch_cpu.so is already loaded by DJL: it is looked up (RTLD_NOLOAD), never loaded again.
 * Returns the precision in force afterwards (0 highest, 1 high, 2 medium), or -1 when libtorch is
 * not loaded, -2 when its symbols are missing. A negative argument only reads it.
 *
 * Built by Maven when a C compiler is present, into the jar (diloco/engine/native/); the JVM
 * extracts and loads it. Without it, workers keep oneMKL's kernels.
 */
#include <dlfcn.h>
#include <jni.h>
#include <malloc.h>

typedef void *(*global_context_fn)(void);
typedef void (*set_precision_fn)(void *context, int precision);
typedef int (*get_precision_fn)(const void *context);

JNIEXPORT jint JNICALL Java_diloco_engine_MatmulKernels_00024Native_precision(JNIEnv *env, jclass cls,
        jint precision) {
    void *torch = dlopen("libtorch_cpu.so", RTLD_LAZY | RTLD_NOLOAD);
    if (!torch) {
        return -1;
    }
    global_context_fn context = (global_context_fn) dlsym(torch, "_ZN2at13globalContextEv");
    set_precision_fn set = (set_precision_fn) dlsym(torch,
            "_ZN2at7Context25setFloat32MatmulPrecisionENS_22Float32MatmulPrecisionE");
    get_precision_fn get = (get_precision_fn) dlsym(torch, "_ZNK2at7Context22float32MatmulPrecisionEv");
    if (!context || !set || !get) {
        dlclose(torch);
        return -2;
    }
    void *c = context();
    if (precision >= 0) {
        set(c, precision);
    }
    int now = get(c);
    dlclose(torch); /* drops the reference RTLD_NOLOAD took; DJL's own keeps the library loaded */
    return now;
}

/*
 * Keeps freed memory in the process instead of returning it to the system after every call:
 * blocks up to mmap_threshold bytes come from malloc's heaps, and a heap keeps up to trim_threshold
 * free bytes at its top. oneDNN allocates its packing buffers on every matmul; with glibc's
 * defaults large ones are mapped and unmapped each time and page-faulted afresh (measured:
 * docs/benchmarks.md section 1). Returns 1 when glibc took both settings, else 0.
 */
JNIEXPORT jint JNICALL Java_diloco_engine_MatmulKernels_00024Native_keepFreedMemory(JNIEnv *env, jclass cls,
        jlong mmap_threshold, jlong trim_threshold) {
    int mmap_ok = mallopt(M_MMAP_THRESHOLD, (int) mmap_threshold);
    int trim_ok = mallopt(M_TRIM_THRESHOLD, (int) trim_threshold);
    return mmap_ok == 1 && trim_ok == 1;
}
