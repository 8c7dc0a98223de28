/*
 * Settings of libtorch that DJL 0.36 does not expose, reached through libtorch's exported C++
 * symbols (libtorch's headers are not on Maven Central, so the declarations below are written by
 * hand to match PyTorch 2.7's: enums c10::DeviceType and c10::ScalarType are int8_t): the float32
 * matmul precision, glibc's keeping of freed memory, and autocast (bf16 compute).
 *
 * libtorch_cpu.so is already loaded by DJL: it is looked up (RTLD_NOLOAD), never loaded again.
 *
 * Built by Maven when a C compiler is present, into the jar (diloco/engine/native/); the JVM
 * extracts and loads it (diloco.engine.TorchSettings). Without it, workers keep oneMKL's kernels
 * and cannot compute in bf16.
 */
#include <dlfcn.h>
#include <jni.h>
#include <malloc.h>
#include <pthread.h>

typedef void *(*global_context_fn)(void);
typedef void (*set_precision_fn)(void *context, int precision);
typedef int (*get_precision_fn)(const void *context);

/*
 * Sets libtorch's float32 matmul precision (at::globalContext().setFloat32MatmulPrecision, what
 * torch.set_float32_matmul_precision sets). At "medium", ATen hands fp32 mm/addmm/bmm (forward and
 * backward) to oneDNN on CPUs with AVX-512 (BW, VL, DQ) instead of oneMKL's sgemm; oneDNN may then
 * compute in bfloat16 where the CPU has AMX, so the Java side (diloco.engine.MatmulKernels) keeps
 * it only after checking that products stay exact fp32. Returns the precision in force afterwards
 * (0 highest, 1 high, 2 medium), or -1 when libtorch is not loaded, -2 when its symbols are
 * missing. A negative argument only reads it.
 */
JNIEXPORT jint JNICALL Java_diloco_engine_TorchSettings_precision(JNIEnv *env, jclass cls,
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
JNIEXPORT jint JNICALL Java_diloco_engine_TorchSettings_keepFreedMemory(JNIEnv *env, jclass cls,
        jlong mmap_threshold, jlong trim_threshold) {
    int mmap_ok = mallopt(M_MMAP_THRESHOLD, (int) mmap_threshold);
    int trim_ok = mallopt(M_TRIM_THRESHOLD, (int) trim_threshold);
    return mmap_ok == 1 && trim_ok == 1;
}

typedef void (*set_autocast_enabled_fn)(signed char device_type, _Bool enabled);
typedef _Bool (*is_autocast_enabled_fn)(signed char device_type);
typedef void (*set_autocast_dtype_fn)(signed char device_type, signed char scalar_type);
typedef void (*set_autocast_cache_fn)(_Bool enabled);

/* autocast's switches, looked up once per process: a bf16 worker turns autocast on and off every step */
static set_autocast_enabled_fn autocast_set;
static is_autocast_enabled_fn autocast_is;
static set_autocast_dtype_fn autocast_dtype;
static set_autocast_cache_fn autocast_cache;
static int autocast_found; /* 1 found, -1 libtorch not loaded, -2 symbols missing */
static pthread_once_t autocast_once = PTHREAD_ONCE_INIT;

static void find_autocast(void) {
    void *torch = dlopen("libtorch_cpu.so", RTLD_LAZY | RTLD_NOLOAD);
    if (!torch) {
        autocast_found = -1;
        return;
    }
    autocast_set = (set_autocast_enabled_fn) dlsym(torch,
            "_ZN2at8autocast20set_autocast_enabledEN3c1010DeviceTypeEb");
    autocast_is = (is_autocast_enabled_fn) dlsym(torch,
            "_ZN2at8autocast19is_autocast_enabledEN3c1010DeviceTypeE");
    autocast_dtype = (set_autocast_dtype_fn) dlsym(torch,
            "_ZN2at8autocast18set_autocast_dtypeEN3c1010DeviceTypeENS1_10ScalarTypeE");
    autocast_cache = (set_autocast_cache_fn) dlsym(torch, "_ZN2at8autocast26set_autocast_cache_enabledEb");
    /* the reference RTLD_NOLOAD took is kept: the pointers stay valid while libtorch is loaded, as DJL keeps it */
    autocast_found = autocast_set && autocast_is && autocast_dtype && autocast_cache ? 1 : -2;
}

/*
 * Turns autocast on or off for this thread and one device type (c10::DeviceType: 0 CPU, 1 CUDA),
 * computing in scalar_type (c10::ScalarType: 15 bfloat16) when on; what torch.autocast does on
 * entry and exit. The cast copies of the weights are not cached: the optimizer updates the fp32
 * weights in place between steps, which a cached copy would not see. Returns whether autocast is
 * now on (1 or 0), or -1 when libtorch is not loaded, -2 when its symbols are missing.
 */
JNIEXPORT jint JNICALL Java_diloco_engine_TorchSettings_autocast(JNIEnv *env, jclass cls,
        jint device_type, jint scalar_type, jboolean enabled) {
    pthread_once(&autocast_once, find_autocast);
    if (autocast_found < 0) {
        return autocast_found;
    }
    if (enabled) {
        autocast_cache(0);
        autocast_dtype((signed char) device_type, (signed char) scalar_type);
    }
    autocast_set((signed char) device_type, enabled != 0);
    return autocast_is((signed char) device_type);
}
