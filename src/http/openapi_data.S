/* The OpenAPI document, docs/openapi.json, linked in as bytes with a final NUL. */
	.section .rodata
	.global ms_openapi_json
	.type ms_openapi_json, @object
	.balign 16
ms_openapi_json:
	.incbin "docs/openapi.json"
	.byte 0
	.global ms_openapi_json_end
ms_openapi_json_end:
	.section .note.GNU-stack,"",@progbits
