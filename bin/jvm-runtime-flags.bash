# JVM flags that only newer JDKs know (an older one refuses to start with them), chosen with bench/
# like the rest (README "Performance"). Sourced, not run: bin/prosody-filer adds them for the JDK
# it starts, scripts/build-deb.sh writes them to the package's runtime.options for its runtime.
#
# jvm_runtime_flags FEATURE ARRAY: appends to the array named ARRAY the flags for Java FEATURE.
jvm_runtime_flags() {
  local -n out=$2
  # Return memory the JIT compiler freed to the OS every 200 ms: without it glibc keeps each
  # compilation's peak (up to 20 MiB), and peak RSS under 200 uploads was ~5 MiB higher.
  if [ "$1" -ge 22 ]; then out+=("-XX:TrimNativeHeapInterval=200"); fi
  # At most 7 MiB of working memory per JIT compilation. A handful of the server's hottest methods
  # (Netty's write and read paths, our request handler) took C2 20-29 MiB each, held for seconds
  # after; they are compiled by C1 instead. Peak RSS under 200 uploads ~10 MiB lower; small
  # downloads used the same CPU per request. `quiet` keeps the JVM from echoing it on stdout.
  if [ "$1" -ge 22 ]; then out+=("-XX:CompileCommand=quiet" "-XX:CompileCommand=MemLimit,*.*,7m"); fi
  # Let Netty use sun.misc.Unsafe for its buffers, as it does on JDK 21: without it Netty links
  # malloc/free through the foreign-function API at start (~80 ms of a 440 ms start).
  if [ "$1" -ge 23 ]; then out+=("--sun-misc-unsafe-memory-access=allow"); fi
  return 0
}
