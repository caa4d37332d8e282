#!/usr/bin/env bash
# Builds the Debian package: a jlink'd Java runtime with only the modules the server needs, the
# server jar, a class-data archive made by a training run (faster start), the launcher, the
# default config, a hardened systemd unit and the maintainer scripts. No JDK is needed where
# the package is installed.
#
#   scripts/build-deb.sh [--jar JAR] [--out DIR] [--version VERSION] [--no-cds]
#
# Without --jar it builds the jar first (./mvnw package into DIR, default target/). The package
# lands in DIR as prosody-filer_<version>_<arch>.deb. Needs a JDK >= 21 with jlink (JAVA_HOME or
# bin/find-jdk) and dpkg-deb; runs as any user.
#
# Why dpkg-deb on a staged tree and not jpackage --type deb: jpackage puts everything under
# /opt with its own launcher and generated maintainer scripts; a Debian admin expects
# /usr/bin, /etc conffiles, a system user and a systemd unit that we control line by line.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
out="$here/target"
jar=""
version=""
cds=1
while [ $# -gt 0 ]; do
  case "$1" in
    --jar) jar=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --no-cds) cds=0; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "build-deb: unknown argument $1" >&2; exit 2 ;;
  esac
done
say() { echo "build-deb: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

JAVA_HOME=$("$here/bin/find-jdk"); export JAVA_HOME
for tool in jlink jdeps; do [ -x "$JAVA_HOME/bin/$tool" ] || die "$JAVA_HOME has no $tool (a full JDK is needed)"; done
command -v dpkg-deb >/dev/null || die "dpkg-deb is missing (apt-get install dpkg)"
jdk_major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$JAVA_HOME/release")

mkdir -p "$out"; out=$(cd "$out" && pwd)
if [ -z "$jar" ]; then
  say "building the jar into $out"
  (cd "$here" && ./mvnw -q -B -Dbuild.dir="$out" -DskipTests package)
  jar="$out/prosody-filer.jar"
fi
[ -f "$jar" ] || die "no jar at $jar"
[ -n "$version" ] || version=$(unzip -p "$jar" prosody-filer-version.properties 2>/dev/null | sed -n 's/^version=//p')
[ -n "$version" ] || die "cannot tell the version (use --version)"
arch=$(dpkg --print-architecture)
case "$arch" in amd64) ;; *) say "warning: the jar carries Netty's native epoll library for x86_64 only; on $arch the server falls back to NIO" ;; esac

work="$out/deb"
stage="$work/root"
lib="$stage/usr/lib/prosody-filer"
rm -rf "$work"; mkdir -p "$lib" "$stage/usr/bin" "$stage/etc/prosody-filer" "$stage/lib/systemd/system" \
  "$stage/usr/share/doc/prosody-filer" "$stage/DEBIAN"

# --- 1. the runtime: only the modules the jar uses ---------------------------------------------
say "finding the JDK modules the jar needs (jdeps)"
modules=$("$JAVA_HOME/bin/jdeps" --ignore-missing-deps --multi-release "$jdk_major" -q --print-module-deps "$jar" | tail -1)
[ -n "$modules" ] || die "jdeps found no modules"
# Loaded by name at run time, so jdeps cannot see them: the EC ciphers for TLS to S3 were a module of
# their own before JDK 22 (now in java.base); jdk.crypto.cryptoki is not needed.
if [ "$jdk_major" -lt 22 ]; then modules="$modules,jdk.crypto.ec"; fi
say "modules: $modules"
jlink_args=(--add-modules "$modules" --strip-debug --no-man-pages --no-header-files
            --compress "${JLINK_COMPRESS:-zip-0}" --output "$lib/runtime")
# zip-0: measured, compressing the class image (42 -> 18 MiB installed) costs ~0.1 s of CPU at
# every start and makes the .deb bigger, as xz then cannot compress it any further.
# Before JDK 25 our archive is a dynamic one on top of a default CDS archive of the JDK's own
# classes, which jlink makes inside the runtime; JDK 25's AOT cache holds both (28 MiB saved).
if [ "$jdk_major" -lt 25 ] && [ "$cds" = 1 ]; then jlink_args+=(--generate-cds-archive); fi
if command -v objcopy >/dev/null; then jlink_args+=(--strip-native-debug-symbols exclude-debuginfo-files); fi
"$JAVA_HOME/bin/jlink" "${jlink_args[@]}"
"$lib/runtime/bin/java" -version >/dev/null 2>&1 || die "the jlink'd runtime does not start"
# Flags only newer JDKs accept, for this runtime (the same list bin/prosody-filer uses, reasons
# there): read by the packaged launcher and used by the training run below.
source "$here/bin/jvm-runtime-flags.bash"
runtime_flags=()
jvm_runtime_flags "$jdk_major" runtime_flags
: > "$lib/runtime.options"
for f in "${runtime_flags[@]}"; do echo "$f" >> "$lib/runtime.options"; done

# --- 2. the application -----------------------------------------------------------------------
install -m 0644 "$jar" "$lib/prosody-filer.jar"
install -m 0755 "$here/packaging/deb/prosody-filer" "$stage/usr/bin/prosody-filer"
install -m 0644 "$here/packaging/deb/config.toml" "$stage/etc/prosody-filer/config.toml"
install -m 0644 "$here/conf/jvm.options" "$stage/etc/prosody-filer/jvm.options"
install -m 0644 "$here/packaging/deb/prosody-filer.service" "$stage/lib/systemd/system/prosody-filer.service"
install -m 0644 "$here/packaging/deb/copyright" "$stage/usr/share/doc/prosody-filer/copyright"
if [ -f "$here/README.md" ]; then
  gzip -9n < "$here/README.md" > "$stage/usr/share/doc/prosody-filer/README.md.gz"
fi
printf 'prosody-filer (%s) stable; urgency=medium\n\n  * Release %s.\n\n -- Prosody Filer maintainers <maintainers@prosody-filer.invalid>  %s\n' \
  "$version" "$version" "$(date -R -u -d "@${SOURCE_DATE_EPOCH:-$(date +%s)}")" | gzip -9n > "$stage/usr/share/doc/prosody-filer/changelog.Debian.gz"

# --- 3. class-data sharing: a training run records the classes the server loads ---------------
# The archive is keyed to this runtime and this jar (size and mtime, which dpkg keeps); the JVM
# accepts it after the move to /usr/lib/prosody-filer because runtime and jar move together.
# cds.options holds the flag for the launcher, @LIB@ standing for the install directory.
# JDK 25+ has the AOT cache (JEP 483/515: classes loaded and linked ahead of time); older JDKs a
# dynamic AppCDS archive. If the admin's jvm.options no longer match, the JVM silently runs without.
: > "$lib/cds.options"
if [ "$cds" = 1 ]; then
  train="$work/train"; mkdir -p "$train"
  if [ "$jdk_major" -ge 25 ]; then
    archive="$lib/prosody-filer.aot"
    record=(-XX:AOTCacheOutput="$archive")
    echo "-XX:AOTCache=@LIB@/$(basename "$archive")" > "$lib/cds.options"
    quiet=(-Xlog:cds=off -Xlog:aot=off)
  else
    archive="$lib/prosody-filer.jsa"
    record=(-XX:ArchiveClassesAtExit="$archive")
    echo "-XX:SharedArchiveFile=@LIB@/$(basename "$archive")" > "$lib/cds.options"
    quiet=(-Xlog:cds=off)
  fi
  mapfile -t jvm_flags < <(sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$here/conf/jvm.options" "$lib/runtime.options" | grep -v '^$')
  # The same scripted training run bin/prosody-filer uses (cli/AotTraining: the server on a temp
  # directory serving uploads, downloads, ranges and refusals); the archive is written at its exit.
  say "training run for the class-data archive"
  "$lib/runtime/bin/java" "${jvm_flags[@]}" "${record[@]}" "${quiet[@]}" -Dprosodyfiler.aotTraining=true \
    -jar "$lib/prosody-filer.jar" > "$train/log" 2>&1 || { cat "$train/log" >&2; die "the training run failed"; }
  if [ ! -s "$archive" ]; then cat "$train/log" >&2; die "no class-data archive was written"; fi
  chmod 0644 "$archive"
  say "class-data archive: $(du -h "$archive" | cut -f1)"
  rm -rf "$train"
fi

# --- 4. control files --------------------------------------------------------------------------
for s in postinst prerm postrm; do install -m 0755 "$here/packaging/deb/$s" "$stage/DEBIAN/$s"; done
printf '/etc/prosody-filer/config.toml\n/etc/prosody-filer/jvm.options\n' > "$stage/DEBIAN/conffiles"
# Shared libraries the runtime links against, as packages (libc6 only, in practice).
libdeps=$( { find "$lib/runtime" -name '*.so' -print0 | xargs -0 ldd 2>/dev/null || true; } | awk '/=> \//{print $3}' \
  | sort -u | while read -r so; do dpkg -S "$so" 2>/dev/null || dpkg -S "$(readlink -f "$so")" 2>/dev/null || true; done \
  | cut -d: -f1 | sort -u | paste -sd, - | sed 's/,/, /g')
depends="adduser${libdeps:+, $libdeps}"
depends=$(echo "$depends" | sed 's/\blibc6\b/libc6 (>= 2.17)/')
installed_kb=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$depends/" -e "s/@SIZE@/$installed_kb/" \
  "$here/packaging/deb/control.in" > "$stage/DEBIAN/control"
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$stage/DEBIAN/md5sums"

deb="$out/prosody-filer_${version}_${arch}.deb"
rm -f "$deb"
# --root-owner-group: files belong to root in the package without needing fakeroot.
# xz: the smallest package (34 MiB; gzip 43 MiB); DEB_COMPRESS=gzip builds several times faster.
dpkg-deb --root-owner-group -Z"${DEB_COMPRESS:-xz}" --build "$stage" "$deb" >/dev/null
say "built $deb ($(du -h "$deb" | cut -f1), installed $((installed_kb / 1024)) MiB)"
echo "$deb"
