/*
 * Lets Intel MKL use its fastest code paths on every x86-64 CPU.
 *
 * The CPU build of libtorch links oneMKL statically, and oneMKL runs its AVX2 kernels on CPUs
 * that are not Intel's, whatever they support: on this project's AMD EPYC (AVX-512) a 1024x1024
 * fp32 matmul reaches 120 GFLOP/s through DJL at one thread against 273 with this file preloaded
 * (docs/benchmarks.md). oneMKL asks mkl_serv_intel_cpu_true() which CPU it runs on; libtorch
 * exports that symbol, so a library preloaded ahead of it (LD_PRELOAD) answers instead. The
 * kernels oneMKL then picks still depend on the instructions the CPU reports, so they are ones
 * this CPU runs. On Intel CPUs nothing changes.
 *
 * Built by Maven when a C compiler is present (spark-job/target/libdiloco_mkl_fast_paths.so);
 * ./submit.sh preloads it (DILOCO_MKL_FAST_PATHS=0 turns that off).
 */
int mkl_serv_intel_cpu_true(void) {
    return 1;
}
