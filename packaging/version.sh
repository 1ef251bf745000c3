#!/bin/sh
# Prints the package version, from `git describe --tags --always --dirty`,
# in a form dpkg orders as the history goes:
#   tag v1.2.0 on HEAD            -> 1.2.0
#   3 commits after v1.2.0        -> 1.2.0+3.gabc1234
#   no tag yet (245 commits)      -> 0.0.0~245.gabc1234
#   uncommitted changes           -> ... with ".dirty" appended
# The commit count keeps untagged builds of one branch in order (the hash
# alone would sort by chance), and "~" puts them below any release.
set -eu
d=$(git describe --tags --always --dirty)
dirty=""
case "$d" in *-dirty) dirty=".dirty"; d=${d%-dirty} ;; esac
if git describe --tags --abbrev=0 >/dev/null 2>&1; then
  d=${d#v}
  case "$d" in
  *-*-g*)	# TAG-N-gSHA
    sha=${d##*-g}; rest=${d%-g*}; n=${rest##*-}; tag=${rest%-*}
    v="$tag+$n.g$sha" ;;
  *) v=$d ;;
  esac
else
  v="0.0.0~$(git rev-list --count HEAD).g$d"
fi
# A Debian version has no "-" of our own (that would name a Debian revision).
echo "$v$dirty" | tr '-' '.'
