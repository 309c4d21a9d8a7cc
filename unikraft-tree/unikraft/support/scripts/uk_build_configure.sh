#!/bin/sh
# Collects the Config.uk files of platform, library and application
# directories into one Kconfig file and prints that file's path, so that the
# top-level Config.uk can `source` it.
#   -p DIRS  platform directories     -e DIRS  library directories
#   -a DIR   application directory    -o FILE  file to append `source` lines to
set -u

usage() {
	echo "usage: $(basename "$0") [-p dirs | -e dirs | -a dir] [-o file]" >&2
	exit 1
}

# One Config.uk path per line for each given directory that has one.
config_files() {
	for dir in $1; do
		[ -f "$dir/Config.uk" ] && echo "$dir/Config.uk"
	done
	return 0
}

# Append a `source` line per file unless the output already sources it.
append_sources() {
	[ -f "$2" ] || : > "$2"
	for file in $1; do
		line="source \"$file\""
		grep -qxF "$line" "$2" || echo "$line" >> "$2"
	done
}

[ $# -eq 0 ] && usage
DIRS=
OUT=
while getopts "a:e:p:o:h" opt; do
	case $opt in
	a)
		if [ "$OPTARG" != "${UK_BASE:-}" ] && [ -f "$OPTARG/Config.uk" ]; then
			echo "$OPTARG/Config.uk"
		else
			OUT="${BUILD_DIR:-.}/app.uk"
			mkdir -p "$(dirname "$OUT")"
			echo 'comment "The application has no options of its own"' > "$OUT"
			echo "$OUT"
		fi
		exit 0
		;;
	e|p) DIRS="$OPTARG" ;;
	o) OUT="$OPTARG" ;;
	*) usage ;;
	esac
done
[ -n "$OUT" ] || usage
mkdir -p "$(dirname "$OUT")"
append_sources "$(config_files "$DIRS")" "$OUT"
echo "$OUT"
