/* stations.h — the township social-work stations (9-digit township codes)
 * and village service points (12-digit codes) that alerts are routed to
 * (SPEC §4, §5). Loaded from a file with the columns 编码, 名称, 类型 (类型
 * 站/点, or station/point) in any format the readers take (CSV, GBK, XLSX,
 * JSON Lines); every code is checked against the area table. Loading is
 * idempotent: a station already known is updated, or left as it is. */
#ifndef MS_MONITOR_STATIONS_H
#define MS_MONITOR_STATIONS_H

#include "base/err.h"
#include "store/store.h"
#include "store/store_alerts.h"

#include <stdint.h>

/* Most data rows one file may hold. */
#define MS_STATIONS_MAX_ROWS 1000000
/* Most characters in a station's name. */
#define MS_STATION_NAME_MAX 100

typedef struct ms_station_reject {
	int64_t row;        /* row number as the file shows it (header = 1) */
	const char *column; /* the column at fault ("" for the whole row) */
	const char *code;   /* stable reason code: bad_code, unknown_area, bad_type,
	                       type_mismatch, missing_name, name_too_long, duplicate,
	                       bad_row */
	const char *reason_zh, *reason_en;
	const char *value; /* the offending value as read */
} ms_station_reject;

typedef struct ms_station_import_result {
	int64_t rows; /* = added + updated + unchanged + rejected */
	int64_t added, updated, unchanged, rejected;
} ms_station_import_result;

/* Loads stations from a file in one transaction. Each rejected row is passed
 * to on_reject (may be NULL) while the file is read; the strings live until
 * it returns. A file without one of the three columns, or that cannot be
 * read, is refused whole (MS_ERR_REFUSED, MS_ERR_IO, ...) and nothing is
 * written. */
ms_err ms_stations_import(ms_store *s, const char *path,
                          void (*on_reject)(void *ctx, const ms_station_reject *r), void *ctx,
                          ms_station_import_result *res, ms_error *err);

/* Stations and points under an area-code prefix (NULL = all), in code order. */
ms_err ms_stations_list(ms_store *s, const char *prefix, int (*fn)(void *ctx, const ms_station *st),
                        void *ctx, ms_error *err);

#endif
