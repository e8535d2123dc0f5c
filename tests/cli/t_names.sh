# Rules, feeds, categories and benefits are data in the policy pack, never
# names in C: none of the pack's rule ids, feed names, category or benefit
# values appears in src/. src/gen is the synthetic-province generator whose
# whole purpose is to plant cases for the bundled pack (docs/decisions.md),
# and is left out.
pack="$ROOT/policy/guangdong"
names=$( {
	sed -n 's/^rule \([A-Za-z0-9_]*\).*/\1/p' "$pack"/rules/*.rule
	# feeds of facts (the registry's persons and households are the subject
	# types of the system itself, named so throughout SPEC)
	for f in "$pack"/feeds/*.ini; do
		grep -q '^role = \(persons\|households\)' "$f" || sed -n 's/^name = \(.*\)/\1/p' "$f"
	done
	for f in categories benefits; do
		awk '/^\[column\./ { inenum = 0 } /^type = enum/ { inenum = 1 }
		     inenum && /^values = / { sub(/^values = /, ""); gsub(/, */, "\n"); print }' "$pack/feeds/$f.ini"
	done
} | sort -u)
count=$(printf '%s\n' "$names" | grep -c .)
check "found the pack's names to look for ($count)" test "$count" -gt 55
hits=""
for nm in $names; do
	# ASCII names (feeds, rule ids, definitions) match as whole words only
	case "$nm" in
	*[!a-z_0-9A-Z]*) h=$(grep -rlF --include='*.c' --include='*.h' -e "$nm" "$ROOT/src" | grep -v "/src/gen/" || true) ;;
	*) h=$(grep -rlw --include='*.c' --include='*.h' -e "$nm" "$ROOT/src" | grep -v "/src/gen/" || true) ;;
	esac
	[ -n "$h" ] && hits="$hits $nm:$(echo $h | tr ' ' ',')"
done
check "no pack name in src/ (found:${hits:- none})" test -z "$hits"
