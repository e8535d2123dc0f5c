# The conventions of SPEC §6 shared by every subcommand.
run --help; expect_rc 0; expect_out "用法"
run version; expect_rc 0; expect_out "minsheng"
run nosuchcommand; expect_rc 2; expect_err "未知命令"
run --bogus; expect_rc 2
run version extra; expect_rc 2
for c in $("$MINSHENG" --help | sed -n 's/^  \([a-z]*\) .*/\1/p'); do
	run "$c" --help; expect_rc 0; expect_out "用法"
done
