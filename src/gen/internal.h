/* internal.h — what the files of src/gen share: the generator's state, the
 * profile it reads, the output files and the row and household helpers.
 * Nothing here is used outside src/gen; gen.h is the module's only face. */
#ifndef MS_GEN_INTERNAL_H
#define MS_GEN_INTERNAL_H

#include "base/arena.h"
#include "base/date.h"
#include "base/err.h"
#include "base/money.h"
#include "base/progress.h"
#include "gen/gen.h"
#include "model/area.h"
#include "model/idnum.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ---- random numbers: xoshiro256** seeded through splitmix64 ---- */

typedef struct gen_rng {
	uint64_t s[4];
} gen_rng;

static inline uint64_t gen_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static inline void gen_rng_seed(gen_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = gen_splitmix(&x);
}

static inline uint64_t gen_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t gen_next(gen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = gen_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = gen_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift; the bias is below 2^-32). */
static inline uint32_t gen_below(gen_rng *r, uint32_t n)
{
	return (uint32_t)(((gen_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi], inclusive. */
static inline int gen_range(gen_rng *r, int lo, int hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int)gen_below(r, (uint32_t)(hi - lo + 1));
}

static inline double gen_unit(gen_rng *r)
{
	return (double)(gen_next(r) >> 11) * 0x1.0p-53;
}

static inline bool gen_chance(gen_rng *r, double p)
{
	return p > 0 && gen_unit(r) < p;
}

/* A Poisson draw for small means (inverse transform), capped at 64. */
int ms_gen_poisson(gen_rng *r, double mean);

/* ---- the files ---- */

typedef enum {
	F_HOUSEHOLDS,
	F_PERSONS,
	F_CATEGORIES,
	F_BENEFITS,
	F_GONGAN,
	F_SIFA,
	F_YIBAO,
	F_SHIYE,
	F_YANGLAO,
	F_JIAOFEI,
	F_JIAOYU,
	F_CANLIAN,
	F_BUDONGCHAN,
	F_JIAOGUAN,
	F_SHICHANG,
	F_NONGYE,
	F_YINGJI,
	F_COUNT
} gen_file_id;

#define F_FIRST_FEED F_GONGAN

/* What a column holds: decides how rows are typed in XLSX and which
 * columns a dirty row may damage. */
typedef enum {
	CK_ID,   /* identity number */
	CK_NAME, /* 姓名 */
	CK_TEXT, /* free text, codes */
	CK_ENUM, /* one of a fixed list */
	CK_DATE,
	CK_MONEY, /* yuan with 2 decimals */
	CK_DEC,   /* decimal with 2 places (m²) */
	CK_INT,
	CK_MONTH, /* YYYY-MM */
	CK_AREA,  /* area code */
	CK_PHONE,
} gen_col_kind;

#define GEN_MAX_COLS 10

/* The fixed shape of each file as the generator fills it (canonical column
 * order; the profile names the columns and may reorder or alias them). */
typedef struct gen_file_desc {
	const char *feed; /* file stem and profile section "feed.<feed>" / "file.<feed>" */
	bool registry;
	int ncol;
	gen_col_kind kind[GEN_MAX_COLS];
	uint16_t required;          /* bit per column */
	int range_start, range_end; /* date columns of a range, -1 when none */
	int enum_col;               /* a column with an enumeration, -1 when none */
	int name_col;               /* 姓名, -1 when none */
} gen_file_desc;

extern const gen_file_desc ms_gen_file_desc[F_COUNT];

typedef enum { FMT_CSV, FMT_TSV, FMT_JSONL, FMT_XLSX } gen_format;
typedef enum { ENC_UTF8, ENC_GB18030 } gen_encoding;

/* ---- the profile (policy/guangdong/gen-profile.ini) ---- */

#define GEN_LIST_MAX 64
typedef struct gen_list {
	int n;
	const char *v[GEN_LIST_MAX];
} gen_list;

/* A money parameter with effective dates. */
#define GEN_DATED_MAX 16
typedef struct gen_dated {
	int n;
	ms_date from[GEN_DATED_MAX];
	ms_money fen[GEN_DATED_MAX];
} gen_dated;

/* A parameter by area: the longest prefix wins, "" is the province. */
#define GEN_AREA_MAX 16
typedef struct gen_by_area {
	int n;
	char prefix[GEN_AREA_MAX][13];
	gen_dated v[GEN_AREA_MAX];
} gen_by_area;

/* Categories (类别) the generator uses, keys of [categories]. */
typedef enum {
	CAT_DIBAO,
	CAT_TEKUN,
	CAT_BIANYUAN,
	CAT_ZHICHU,
	CAT_LINSHI,
	CAT_GUER,
	CAT_SHISHI,
	CAT_KUNNAN_CANJI,
	CAT_ZHONGDU_CANJI,
	CAT_FANPIN,
	CAT_TUOPIN,
	CAT_ZHIGONG,
	CAT_JIUYE,
	CAT_DABING,
	CAT_XUESHENG,
	CAT_ZHUFANG,
	CAT_SHOUZAI,
	CAT_KUNJING,
	CAT_COUNT
} gen_cat;

/* Benefits (待遇项目), keys of [benefits]. */
typedef enum {
	BEN_DIBAO,
	BEN_TEKUN,
	BEN_KUNNAN_CANJI,
	BEN_ZHONGDU_CANJI,
	BEN_GUER,
	BEN_SHISHI,
	BEN_LINSHI,
	BEN_COUNT
} gen_ben;

/* Household types of the background, keys of [households] type.* */
typedef enum {
	HT_DIBAO,
	HT_TEKUN,
	HT_BIANYUAN,
	HT_ZHICHU,
	HT_OTHER,
	HT_FORMER,
	HT_COUNT
} gen_hh_type;

/* Household compositions, keys of [households] comp.* */
typedef enum {
	COMP_SINGLE_ELDERLY,
	COMP_ELDERLY_COUPLE,
	COMP_SINGLE_ADULT,
	COMP_COUPLE_KIDS,
	COMP_SINGLE_PARENT,
	COMP_THREE_GEN,
	COMP_SKIP_GEN,
	COMP_COUNT
} gen_comp;

/* Kinds of dirty rows (SPEC §2.5), keys of [dirty]. */
typedef enum {
	DK_MISSING,    /* a required value empty → rejected */
	DK_BAD_DATE,   /* 2023-02-30, abc → rejected */
	DK_BAD_AMOUNT, /* 12.345, 1,23 → rejected */
	DK_INVERTED,   /* end before start → rejected */
	DK_BAD_SHAPE,  /* identity number not shaped like one → rejected */
	DK_BAD_ENUM,   /* a value outside its enumeration → rejected */
	DK_DUPLICATE,  /* natural key repeated → the later row rejected */
	DK_CORRECTED, /* one edit from a unique same-name registry person → accepted, corrected */
	DK_REVIEW,    /* well-shaped, invalid, no unique candidate → review */
	DK_INVALID_ID, /* persons only: well-shaped invalid number → rejected */
	DK_COUNT
} gen_dirty_kind;

/* Per-file names and layout read from the profile. */
typedef struct gen_file_spec {
	const char *file; /* e.g. "gongan.csv" */
	gen_format format;
	gen_encoding encoding;
	const char *col[GEN_MAX_COLS];    /* canonical names */
	const char *header[GEN_MAX_COLS]; /* as written (aliases), canonical order */
	bool shuffle;
	const char *extra_column; /* NULL: none */
	gen_list extra_values;
	const char *bad_value; /* for DK_BAD_ENUM */
	const char *sheet;     /* XLSX sheet name */
} gen_file_spec;

typedef struct gen_profile {
	ms_arena arena;
	const char *path;
	/* policy numbers */
	gen_by_area oop_threshold; /* R05, undated: one entry each */
	int oop_window_days;       /* 364: [D−364, D] */
	gen_by_area dibao_std;     /* R12 */
	int income_months;         /* 3 */
	int confinement_min_days;  /* 183 */
	int disaster_window_days;  /* 29: [D−29, D] */
	int elderly_age;           /* 80 */
	bool care_mental_grade34;
	int minor_age;                      /* 18 */
	int school_age_min, school_age_max; /* 6, 16 */
	int max_homes;                      /* 1 */
	gen_list exempt_vehicles;
	/* names */
	const char *cat[CAT_COUNT];
	const char *ben[BEN_COUNT];
	ms_money ben_min[BEN_COUNT], ben_max[BEN_COUNT];
	gen_list relations;     /* 户主 配偶 子女 父母 孙子女 兄弟姐妹 其他 */
	gen_list events;        /* gongan: 死亡 迁出 迁入 注销 */
	gen_list sifa_types;    /* 服刑在押 强制隔离戒毒 社区矫正 */
	gen_list school_status; /* 在读 辍学 休学 毕业 */
	gen_list school_suffix;
	gen_list hospital_suffix;
	gen_list dis_kind;      /* 视力 … 多重 */
	gen_list dis_grade_cn;  /* 一级 … 四级 */
	gen_list prop_types;    /* 住宅 first */
	gen_list vehicle_types; /* not exempt */
	const char *plate_prefix;
	gen_list plate_letters; /* by city order */
	gen_list roles;         /* 法定代表人 股东 个体工商户经营者 */
	gen_list biz_suffix;
	gen_list monitor_types;
	gen_list disasters;
	gen_list damage; /* 倒塌 严重损坏 一般损坏 无 */
	const char *station_suffix, *point_suffix, *station_type, *point_type;
	/* shares */
	double hh_type_w[HT_COUNT];
	double comp_w[COMP_COUNT];
	double disabled_per_1000, severe_share, expired_share, deaths_per_1000;
	double feed_only_share; /* of department facts, given to subjects outside the registry */
	double vol[F_COUNT];    /* facts per 1,000 registry people (feeds only) */
	double phone_share, history_share, linshi_share, extra_cat_share;
	double orphan_share, defacto_share; /* of skip-generation households */
	double legacy_county_share;
	/* planted cases */
	double hits_per_100k[MS_GEN_RULES], near_per_100k[MS_GEN_RULES];
	int plant_min;
	/* dirty rows per 10,000 rows of a file, and format variants per 1,000 */
	double dirty[DK_COUNT];
	double date_slash, date_compact, date_cn, money_thousands, id_lower_x, id_legacy15,
	    grade_cn;
	gen_file_spec files[F_COUNT];
	const char *stations_file, *stations_header[3];
} gen_profile;

ms_err ms_gen_profile_load(gen_profile *p, const char *path, ms_error *err);
void ms_gen_profile_free(gen_profile *p);
/* Value of a by-area parameter for a 12-digit area at D; false when none. */
bool ms_gen_param(const gen_by_area *a, const char *area, ms_date d, ms_money *out);

/* ---- identity numbers in use (a set of packed 17-digit numbers) ---- */

typedef struct gen_idset {
	uint64_t *slot;
	size_t cap, n;
} gen_idset;

ms_err ms_gen_idset_init(gen_idset *s, size_t expect);
void ms_gen_idset_free(gen_idset *s);
/* true when added; false when already present, or (with *oom set) out of memory */
bool ms_gen_idset_add(gen_idset *s, const char *id17, bool *oom);
bool ms_gen_idset_has(const gen_idset *s, const char *id17);

/* ---- names ---- */

#define GEN_NAME_MAX 16 /* 4 Chinese characters and a NUL */
const char *ms_gen_surname(gen_rng *r);
/* A full name: surname (NULL: drawn) and a given name of 1–2 characters. */
void ms_gen_name(gen_rng *r, int sex, const char *surname, char out[GEN_NAME_MAX]);
/* The surname part of a full name (1 or 2 characters), into out. */
void ms_gen_surname_of(const char *name, char out[GEN_NAME_MAX]);
void ms_gen_phone(gen_rng *r, char out[12]);

/* ---- rows ---- */

typedef struct gen_row {
	int n;
	const char *v[GEN_MAX_COLS + 1];
	uint16_t len[GEN_MAX_COLS + 1];
	size_t used;
	char store[768];
} gen_row;

void ms_gen_row_reset(gen_row *r, int ncol);
void ms_gen_row_str(gen_row *r, int col, const char *s);
void ms_gen_row_strn(gen_row *r, int col, const char *s, size_t n);
void ms_gen_row_copy(gen_row *dst, const gen_row *src);

/* Someone who is not a registry member but whose number appears (a parent
 * outside the registry, a subject known only from feeds). */
typedef struct gen_ghost {
	char id[MS_ID_STR];
	char name[GEN_NAME_MAX];
	ms_date birth;
	int sex;
	bool unavail; /* a parent outside the registry who is dead or confined */
} gen_ghost;

/* ---- an output file ---- */

typedef struct gen_out {
	gen_file_id id;
	const gen_file_spec *spec;
	const gen_file_desc *desc;
	char path[4096];
	FILE *fp;
	char *buf;
	size_t len, cap;
	void *to_cnv, *from_cnv; /* ICU converters for GB18030 */
	char *cnv_buf;
	size_t cnv_cap;
	void *wb, *ws, *datefmt, *textfmt; /* libxlsxwriter */
	uint32_t xrow;
	int order[GEN_MAX_COLS + 1]; /* output position → canonical column (ncol = extra) */
	int nout;
	/* what a first import must report */
	uint64_t rows, accepted, rejected, review, corrected;
	/* a clean row kept to be written again later as a duplicate */
	gen_row dup;
	int dup_wait;             /* rows until it is written; 0 = none pending */
	double dirty_p;           /* chance of an extra dirty row before a clean one */
	double dirty_w[DK_COUNT]; /* weights of the kinds that apply to this file */
	uint64_t kinds[DK_COUNT]; /* dirty rows written, by kind */
	/* the first accepted background row, so that every kind can be
	 * written at least once at the end */
	gen_row first;
	bool have_first;
} gen_out;

/* ---- people and households ---- */

/* Statuses held (active at D). */
enum { ST_DIBAO = 1, ST_TEKUN = 2, ST_BIANYUAN = 4, ST_ZHICHU = 8 };
#define ST_LOWINCOME (ST_DIBAO | ST_TEKUN | ST_BIANYUAN | ST_ZHICHU)

typedef struct gen_member {
	gen_ghost p; /* identity, name, birth, sex */
	char phone[12];
	int age;                          /* full years at D */
	int rel;                          /* index into profile relations */
	int fidx, midx;                   /* parents inside the household, -1 */
	const gen_ghost *father, *mother; /* parent numbers written (in or out of household) */
	ms_date death;                    /* MS_DATE_NONE when alive at D and after */
	uint32_t st;                      /* statuses held at D */
	bool unavail;                     /* dead, confined or severely disabled (R08) */
	uint8_t nfact[F_COUNT];
} gen_member;

#define GEN_HH_MAX 8
typedef struct gen_hh {
	char hid[20];
	size_t vill; /* index into the village list */
	int n;
	gen_member m[GEN_HH_MAX];
	gen_ghost ghost[4]; /* parents outside the registry */
	int nghost;
	int type;                /* gen_hh_type; -1 for planted households */
	uint32_t st;             /* union of living members' statuses */
	ms_money income, budget; /* R12: counted income of living members, and the cap */
	int homes;               /* R11: active homes of living members */
	bool planted;
} gen_hh;

/* An expected hit or near miss. */
typedef struct gen_expect {
	uint8_t rule; /* 1…18 */
	bool household;
	char subject[20];
	const char *note;
} gen_expect;

typedef struct gen_expect_list {
	gen_expect *v;
	size_t n, cap;
} gen_expect_list;

/* Area choices for planted households. */
typedef enum { AREA_ANY, AREA_GZ, AREA_SZ, AREA_PROVINCE } gen_area_pick;

typedef struct gen {
	const ms_gen_options *opt;
	gen_profile prof;
	gen_rng rng;
	ms_date D, today;
	ms_month M; /* D's month */
	gen_idset ids;
	/* areas */
	const ms_area *vill;
	size_t nvill;
	uint32_t *vill_hh; /* households per village so far */
	size_t gz_lo, gz_hi, sz_lo, sz_hi;
	const ms_area *county;
	size_t ncounty;
	size_t gzc_lo, gzc_hi, szc_lo, szc_hi; /* county ranges of 广州 and 深圳 */
	char (*legacy)[7];
	size_t nlegacy;
	/* output */
	gen_out out[F_COUNT];
	/* counters */
	uint64_t people, households, feed_only, bills, plates;
	/* the current feed-only subject, shared by a few facts */
	gen_ghost fo;
	int fo_left, fo_k;
	gen_expect_list hits, misses;
	ms_err rc;         /* first failure, sticky */
	ms_error *err;
	/* when set, fact functions fill this row instead of writing it */
	gen_row *capture;
	uint64_t dirty_households;
	gen_ghost adult; /* a background registry adult aged 30–55 */
	bool have_adult;
} gen;

/* people.c: identities, households, registry rows, one function per fact */
ms_err ms_gen_areas_init(gen *g);
void ms_gen_make_id(gen *g, const char *county6, ms_date birth, int sex, char out[MS_ID_STR]);
void ms_gen_county_for(gen *g, const char *village12, ms_date birth, char out[7]);
void ms_gen_ghost_new(gen *g, gen_ghost *gh, ms_date birth, int sex, const char *surname,
                      const char *county6);
ms_date ms_gen_birth_for_age(gen *g, int age_lo, int age_hi);
/* A birth date making the age exactly `years` at day d, the birthday falling on d + shift
 * (shift ≤ 0: the birthday is past; shift = 0: d is the birthday; shift > 0 still to come,
 * in which case the age is years − 1). */
ms_date ms_gen_birth_birthday(ms_date d, int years, int shift);
void ms_gen_hh_begin(gen *g, gen_hh *hh, gen_area_pick where);
int ms_gen_hh_add(gen *g, gen_hh *hh, int rel, ms_date birth, int sex, const char *surname);
void ms_gen_hh_link(gen_hh *hh, int child, int father, int mother);
void ms_gen_hh_write(gen *g, gen_hh *hh);
const char *ms_gen_hh_area(const gen *g, const gen_hh *hh);
ms_money ms_gen_std_at(gen *g, const gen_hh *hh);
void ms_gen_feed_only_new(gen *g, gen_ghost *gh, const char *county6);
const gen_ghost *ms_gen_feed_only_subject(gen *g);

/* Registry facts. end = MS_DATE_NONE for none. */
void ms_gen_category(gen *g, const gen_member *m, int cat, ms_date start, ms_date end,
                     bool planted);
void ms_gen_benefit(gen *g, const gen_member *m, int ben, ms_date start, ms_date end, ms_money fen,
                    bool planted);

/* Department facts, for a subject: registry = a registry member (its
 * background facts may be written with a corrected number); planted = the
 * row is never dirtied or repeated. */
typedef struct gen_subj {
	const gen_ghost *p;
	bool registry;
	bool planted;
} gen_subj;
void ms_gen_gongan(gen *g, gen_subj s, int event, ms_date d);
void ms_gen_sifa(gen *g, gen_subj s, int type, ms_date start, ms_date end);
void ms_gen_yibao(gen *g, gen_subj s, ms_date d, ms_money oop, const char *county6);
void ms_gen_shiye(gen *g, gen_subj s, ms_date start, ms_date end);
void ms_gen_yanglao(gen *g, gen_subj s, ms_date start, ms_date end, ms_money fen, bool legacy);
void ms_gen_jiaofei(gen *g, gen_subj s, ms_month month, ms_money base);
void ms_gen_jiaoyu(gen *g, gen_subj s, const char *school, int status, ms_date d);
void ms_gen_canlian(gen *g, gen_subj s, int kind, int grade, ms_date issue, ms_date expiry);
void ms_gen_budongchan(gen *g, gen_subj s, int type, ms_date start, ms_date end);
void ms_gen_jiaoguan(gen *g, gen_subj s, const char *vtype, ms_date start, ms_date end,
                     const char *city4);
/* k: the subject's k-th entity (0, 1, …), so that its names differ */
void ms_gen_shichang(gen *g, gen_subj s, int role, int employees, ms_date start, ms_date end,
                     int k);
void ms_gen_nongye(gen *g, gen_subj s, int type, ms_date start, ms_date end);
void ms_gen_yingji(gen *g, gen_subj s, int disaster, ms_date d, int damage);
void ms_gen_school_name(gen *g, const char *village12, int age, char *out, size_t cap);

/* Writing values into rows, with the format variants of the profile. */
void ms_gen_put_date(gen *g, gen_row *r, int col, ms_date d);
void ms_gen_put_money(gen *g, gen_row *r, int col, ms_money fen);
void ms_gen_put_int(gen_row *r, int col, long long v);
void ms_gen_put_id(gen *g, gen_row *r, int col, const char *id, bool variants);

/* out.c: files */
ms_err ms_gen_out_open(gen *g, gen_file_id id);
/* Writes a row in the file's format; counting is the caller's (dirty.c). */
void ms_gen_out_row(gen *g, gen_file_id id, const gen_row *r);
ms_err ms_gen_out_close(gen *g, gen_file_id id);
void ms_gen_out_abort(gen *g);
void ms_gen_fail(gen *g, ms_err code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* dirty.c: rows are handed over here; it writes them, counts the outcome
 * and adds dirty rows at the profile's rates. */
typedef enum { OUT_ACCEPTED, OUT_REJECTED, OUT_REVIEW, OUT_CORRECTED } gen_outcome;
void ms_gen_emit(gen *g, gen_file_id f, gen_row *r, gen_subj s);
void ms_gen_emit_outcome(gen *g, gen_file_id f, const gen_row *r, gen_outcome o);
void ms_gen_dirty_init(gen *g, gen_file_id f);
void ms_gen_dirty_flush(gen *g);
/* A well-shaped invalid number one edit from `id`, correctable to it alone;
 * the other candidates are reserved so no one gets them. false when none found. */
bool ms_gen_corrupt_id(gen *g, const char *id, char out[MS_ID_STR]);

/* background.c */
void ms_gen_background_household(gen *g, int max_people);

/* plant.c */
typedef struct gen_case {
	uint8_t rule; /* 1…18 */
	bool hit;
	uint8_t variant;
	uint8_t people; /* registry persons it adds */
} gen_case;
/* Fills cases (cap entries) with the planted cases for this run; returns the count. */
size_t ms_gen_plan_cases(gen *g, gen_case *cases, size_t cap);
size_t ms_gen_plan_count(gen *g);
void ms_gen_plant(gen *g, const gen_case *c);

void ms_gen_expect(gen *g, bool hit, int rule, bool household, const char *subject,
                   const char *note);

#endif
