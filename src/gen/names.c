/* names.c — Chinese personal names with realistic surname frequencies
 * (Guangdong-leaning: 陈, 李, 黄, 张, 梁 …) and given names of one or two
 * characters, plus mobile numbers. Synthetic: any likeness is chance. */
#include "gen/internal.h"

#include <string.h>

typedef struct {
	const char *s;
	unsigned w; /* relative frequency */
} surname_weight;

static const surname_weight surnames[] = {
    {"陈", 1000}, {"李", 700}, {"黄", 600},  {"张", 480}, {"梁", 420}, {"林", 400}, {"刘", 380},
    {"吴", 330},  {"罗", 300}, {"何", 290},  {"郑", 250}, {"王", 240}, {"周", 200}, {"杨", 200},
    {"钟", 190},  {"谢", 180}, {"冯", 160},  {"邓", 160}, {"叶", 150}, {"苏", 140}, {"曾", 140},
    {"许", 120},  {"蔡", 120}, {"卢", 110},  {"朱", 110}, {"赖", 100}, {"潘", 100}, {"彭", 95},
    {"邱", 90},   {"余", 90},  {"郭", 90},   {"廖", 90},  {"方", 80},  {"谭", 80},  {"温", 75},
    {"赵", 60},   {"莫", 60},  {"徐", 60},   {"胡", 60},  {"麦", 50},  {"杜", 50},  {"马", 50},
    {"唐", 50},   {"江", 50},  {"关", 45},   {"孙", 40},  {"高", 40},  {"袁", 40},  {"庄", 40},
    {"伍", 40},   {"骆", 35},  {"邝", 35},   {"姚", 35},  {"詹", 35},  {"宋", 30},  {"古", 30},
    {"冼", 30},   {"严", 30},  {"范", 30},   {"傅", 30},  {"汤", 30},  {"文", 30},  {"区", 30},
    {"欧阳", 30}, {"韩", 25},  {"蒋", 25},   {"丁", 25},  {"柯", 25},  {"翁", 25},  {"戴", 25},
    {"甘", 20},   {"龙", 20},  {"侯", 20},   {"孔", 20},  {"简", 20},  {"巫", 20},  {"饶", 20},
    {"利", 15},   {"卓", 15},  {"司徒", 12}, {"植", 10},  {"上官", 4},
};
#define NSURNAMES (sizeof surnames / sizeof surnames[0])

static const char *const male[] = {
    "伟", "强", "军", "华", "明", "俊", "杰", "志", "文", "辉", "建", "国", "平", "勇", "斌",
    "涛", "亮", "健", "永", "海", "锋", "峰", "家", "嘉", "浩", "宇", "子", "博", "铭", "宏",
    "荣", "耀", "坤", "德", "祥", "春", "林", "生", "发", "金", "富", "添", "伦", "达", "灿",
    "炳", "锦", "庆", "锐", "振", "荣", "旺", "彬", "晖", "骏", "豪", "洪", "标", "权", "成"};
static const char *const female[] = {
    "芳", "娜", "秀", "英", "敏", "静", "丽", "燕", "玲", "霞", "红", "梅", "兰", "凤", "琴",
    "珍", "婷", "雪", "慧", "颖", "欣", "怡", "佩", "诗", "雅", "晓", "丹", "洁", "妹", "桂",
    "玉", "彩", "少", "美", "惠", "嘉", "淑", "晶", "莉", "翠", "爱", "月", "好", "萍", "艳",
    "娟", "琳", "映", "卿", "容", "群", "冰", "妙", "宝", "银", "凤", "小", "思", "婉", "韵"};
#define NMALE (sizeof male / sizeof male[0])
#define NFEMALE (sizeof female / sizeof female[0])

static unsigned total_weight(void)
{
	static unsigned total;
	if (!total) {
		unsigned t = 0;
		for (size_t i = 0; i < NSURNAMES; i++)
			t += surnames[i].w;
		total = t;
	}
	return total;
}

const char *ms_gen_surname(gen_rng *r)
{
	unsigned x = gen_below(r, total_weight());
	for (size_t i = 0; i < NSURNAMES; i++) {
		if (x < surnames[i].w)
			return surnames[i].s;
		x -= surnames[i].w;
	}
	return surnames[0].s;
}

static size_t append(char *out, size_t o, const char *s)
{
	size_t n = strlen(s);
	if (o + n >= GEN_NAME_MAX)
		return o;
	memcpy(out + o, s, n);
	return o + n;
}

void ms_gen_name(gen_rng *r, int sex, const char *surname, char out[GEN_NAME_MAX])
{
	size_t o = append(out, 0, surname ? surname : ms_gen_surname(r));
	int chars = gen_chance(r, 0.72) ? 2 : 1;
	for (int i = 0; i < chars; i++)
		o = append(out, o,
		           sex == 1 ? male[gen_below(r, NMALE)] : female[gen_below(r, NFEMALE)]);
	out[o] = '\0';
}

void ms_gen_surname_of(const char *name, char out[GEN_NAME_MAX])
{
	/* a two-character surname from the table, else the first character */
	for (size_t i = 0; i < NSURNAMES; i++) {
		size_t n = strlen(surnames[i].s);
		if (n > 3 && strncmp(name, surnames[i].s, n) == 0) {
			memcpy(out, name, n);
			out[n] = '\0';
			return;
		}
	}
	size_t n = strlen(name) >= 3 ? 3 : strlen(name);
	memcpy(out, name, n);
	out[n] = '\0';
}

void ms_gen_phone(gen_rng *r, char out[12])
{
	static const char second[] = "3456789";
	out[0] = '1';
	out[1] = second[gen_below(r, 7)];
	uint64_t x = gen_next(r);
	for (int i = 2; i < 11; i++) {
		out[i] = (char)('0' + x % 10);
		x /= 10;
	}
	out[11] = '\0';
}
