/*
 * JNI for docs/bench/OnednnProbe.java: sets libtorch's float32 matmul precision
 * (at::globalContext().setFloat32MatmulPrecision, what torch.set_float32_matmul_precision sets),
 * which DJL 0.36 does not expose. libtorch_cpu.so is already loaded by DJL; it is looked up, not
 * loaded again. Returns the precision in force afterwards (0 highest, 1 high, 2 medium), or a
 * negative number when libtorch or its symbols were not found. A negative argument only reads it.
 */
#include <dlfcn.h>
#include <jni.h>
#include <malloc.h>

typedef void *(*global_context_fn)(void);
typedef void (*set_precision_fn)(void *context, int precision);
typedef int (*get_precision_fn)(const void *context);

JNIEXPORT jint JNICALL Java_OnednnProbe_matmulPrecision(JNIEnv *env, jclass cls, jint precision) {
    void *torch = dlopen("libtorch_cpu.so", RTLD_LAZY | RTLD_NOLOAD);
    if (!torch) {
        return -1;
    }
    global_context_fn context = (global_context_fn) dlsym(torch, "_ZN2at13globalContextEv");
    set_precision_fn set = (set_precision_fn) dlsym(torch,
            "_ZN2at7Context25setFloat32MatmulPrecisionENS_22Float32MatmulPrecisionE");
    get_precision_fn get = (get_precision_fn) dlsym(torch, "_ZNK2at7Context22float32MatmulPrecisionEv");
    if (!context || !set || !get) {
        return -2;
    }
    void *c = context();
    if (precision >= 0) {
        set(c, precision);
    }
    return get(c);
}

/* What diloco.engine.MatmulKernels does with oneDNN: freed blocks up to 32 MiB stay in malloc's
 * heaps, which keep up to 1 GiB free, instead of being unmapped after every call. */
JNIEXPORT jint JNICALL Java_OnednnProbe_keepFreedMemory(JNIEnv *env, jclass cls) {
    return mallopt(M_MMAP_THRESHOLD, 32 << 20) == 1 && mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1;
}
