#!/usr/bin/env bash
# Builds and runs the libFuzzer target over FeedParser.parse.
#
#   scripts/fuzz-parse.sh [SECONDS] [extra libFuzzer flags...]     (default 600 s)
#
# SwiftPM cannot build fuzzers, so this compiles the sources itself
# (../shared/design/defaults.md §6): FeedwireXML as one module, then Core's
# model and parse sources with scripts/fuzz/FeedParserFuzz.swift as a
# second, both with `swiftc -sanitize=fuzzer,address`, linked with libxml2.
# Everything goes under .build/fuzz; the corpus starts from the parse
# fixtures and grows there between runs. Crashes are written to
# .build/fuzz/artifacts/ and make the script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true
out=.build/fuzz
mkdir -p "$out/obj" "$out/corpus" "$out/artifacts"

xml_sources=(Sources/FeedwireXML/*.swift)
core_sources=(Sources/FeedwireCore/Model/ParsedFeed.swift Sources/FeedwireCore/Model/Timestamp.swift
              Sources/FeedwireCore/Model/JSONValue.swift Sources/FeedwireCore/Model/HTMLEntityDecoder.swift
              Sources/FeedwireCore/Parse/*.swift scripts/fuzz/FeedParserFuzz.swift)
binary="$out/feedwire-parse-fuzz"

# Rebuild only when a source is newer than the binary.
needs_build=1
if [ -x "$binary" ]; then
  needs_build=0
  for f in "${xml_sources[@]}" "${core_sources[@]}" Sources/CLibXML2/CLibXML2.h "$0"; do
    if [ "$f" -nt "$binary" ]; then needs_build=1; break; fi
  done
fi
if [ "$needs_build" = 1 ]; then
  echo "fuzz-parse: building $binary" >&2
  rm -f "$binary"
  # -package-name: FeedwireXML shares `package` helpers with Core, as in SwiftPM.
  flags=(-swift-version 6 -O -g -parse-as-library -sanitize=fuzzer,address -package-name feedwire
         -I Sources/CLibXML2 -Xcc -I/usr/include/libxml2 -enable-upcoming-feature MemberImportVisibility)
  swiftc "${flags[@]}" -wmo -module-name FeedwireXML -emit-module -emit-module-path "$out/obj/FeedwireXML.swiftmodule" \
         -emit-object -o "$out/obj/FeedwireXML.o" "${xml_sources[@]}"
  swiftc "${flags[@]}" -wmo -module-name FeedwireParseFuzz -I "$out/obj" \
         -emit-module -emit-module-path "$out/obj/FeedwireParseFuzz.swiftmodule" \
         -emit-object -o "$out/obj/FeedwireParseFuzz.o" "${core_sources[@]}"
  swiftc -sanitize=fuzzer,address "$out/obj/FeedwireXML.o" "$out/obj/FeedwireParseFuzz.o" -lxml2 -o "$binary" 2>&1 \
    | grep -v -e "Cannot export local symbol" -e "^$" >&2 || true
  [ -x "$binary" ] || { echo "fuzz-parse: build failed" >&2; exit 1; }
fi

# Seeds: every parse fixture (the corpus directory keeps what the fuzzer finds).
seeds="$out/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"
for f in Tests/FeedwireCoreTests/Fixtures/parse/*; do
  case "$f" in *.golden.json|*.options) continue ;; esac
  cp "$f" "$seeds/"
done

echo "fuzz-parse: fuzzing for ${seconds}s" >&2
# Swift's own crash backtracer fights AddressSanitizer (it hangs); libFuzzer reports crashes itself.
SWIFT_BACKTRACE=enable=no "$binary" "$out/corpus" "$seeds" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=5 -max_len=65536 \
  -dict=scripts/fuzz/feed.dict -artifact_prefix="$out/artifacts/" -print_final_stats=1 "$@"
