/* The area-code table, data/areas.tsv, linked in as bytes with a final NUL. */
	.section .rodata
	.global ms_area_tsv
	.type ms_area_tsv, @object
	.balign 16
ms_area_tsv:
	.incbin "data/areas.tsv"
	.byte 0
	.global ms_area_tsv_end
ms_area_tsv_end:
	.section .note.GNU-stack,"",@progbits
