/*
 * wasmcu cycle-model plugin for QEMU (TCG plugin API version 1).
 *
 * At translation time every instruction is decoded into a class (ALU, load, store,
 * multiply, divide, branch, call, ...) and the translation block gets a static cost in
 * cycles from a per-core model; conditional branches are costed as not taken, and the
 * extra cycles of a taken branch are added at run time when the next block executed
 * does not start at the fall-through address. Counting covers the windows between the
 * firmware's marker functions (one window for the call, one for load+instantiate).
 *
 * Arguments (QEMU 7.2 syntax: -plugin file.so,name=value,...):
 *   isa=thumb|rv32     instruction set to decode
 *   model=PATH         cost table: lines "<class> <cycles>"
 *   begin0=ADDR end0=ADDR  marker functions of window 0 (the call into the kernel)
 *   begin1=ADDR end1=ADDR  marker functions of window 1 (module load and instantiation)
 *   out=PATH           where to write the figures (JSON) at exit
 *   limit=N            stop the emulation after N instructions in total (0: no limit)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu-plugin-api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = WASMCU_QEMU_PLUGIN_VERSION;

enum cls {
    C_ALU, C_LOAD, C_STORE, C_MUL, C_DIV, C_BRANCH_NOT_TAKEN, C_BRANCH_TAKEN, C_JUMP, C_CALL, C_INDIRECT,
    C_MULTI_BASE, C_MULTI_PER_REG, C_POP_PC_EXTRA, C_FETCH_WAIT, C_COUNT
};
static const char *cls_names[C_COUNT] = {
    "alu", "load", "store", "mul", "div", "branch_not_taken", "branch_taken", "jump", "call", "indirect",
    "multi_base", "multi_per_reg", "pop_pc_extra", "fetch_wait",
};
static uint64_t cost[C_COUNT] = {1, 2, 2, 1, 10, 1, 2, 2, 3, 2, 1, 1, 2, 0};

struct tbinfo {
    uint64_t vaddr;
    uint64_t fallthrough;
    uint64_t cost;        /* static cost, conditional branch not taken */
    uint32_t ninsns;
    uint32_t taken_extra; /* added when a conditional branch at the end was taken */
    uint8_t ends_cond;
    int8_t begins;        /* window this block's start opens, or -1 */
    int8_t ends;          /* window this block's start closes, or -1 */
};

#define WINDOWS 2

static int isa_thumb = 1;
static uint64_t begin_addr[WINDOWS] = {UINT64_MAX, UINT64_MAX}, end_addr[WINDOWS] = {UINT64_MAX, UINT64_MAX};
static uint64_t limit;
static char *out_path;
static const struct tbinfo *prev;
static int active = -1, limit_hit;
static int seen[WINDOWS];
static uint64_t total_insns, insns[WINDOWS], cycles[WINDOWS], taken[WINDOWS];

static int popcount8(unsigned v) { return __builtin_popcount(v & 0xffu); }

/* Thumb (ARMv6-M and ARMv8-M mainline). Returns the cycles; sets *cond when the
 * instruction is a conditional branch. */
static uint64_t thumb_cost(const uint8_t *p, size_t size, int *cond)
{
    unsigned hw = p[0] | (p[1] << 8);
    *cond = 0;
    if (size == 2) {
        if ((hw >> 12) == 0xD) {
            unsigned c = (hw >> 8) & 0xF;
            if (c < 0xE) { *cond = 1; return cost[C_BRANCH_NOT_TAKEN]; }
            return cost[C_ALU]; /* SVC/UDF */
        }
        if ((hw & 0xF500) == 0xB100) { *cond = 1; return cost[C_BRANCH_NOT_TAKEN]; } /* CBZ/CBNZ */
        if ((hw >> 11) == 0x1C) return cost[C_JUMP];                                 /* B */
        if ((hw & 0xFF00) == 0x4700) return cost[C_INDIRECT];                        /* BX/BLX */
        if (((hw & 0xFF00) == 0x4400 || (hw & 0xFF00) == 0x4600) && ((hw & 7) | ((hw >> 4) & 8)) == 15)
            return cost[C_INDIRECT];                                                 /* ADD/MOV pc */
        if ((hw & 0xFE00) == 0xB400) return cost[C_MULTI_BASE] + cost[C_MULTI_PER_REG] * (popcount8(hw) + ((hw >> 8) & 1)); /* PUSH */
        if ((hw & 0xFE00) == 0xBC00) {                                               /* POP */
            uint64_t c = cost[C_MULTI_BASE] + cost[C_MULTI_PER_REG] * (popcount8(hw) + ((hw >> 8) & 1));
            return (hw & 0x100) ? c + cost[C_POP_PC_EXTRA] : c;
        }
        if ((hw >> 11) == 0x18 || (hw >> 11) == 0x19) return cost[C_MULTI_BASE] + cost[C_MULTI_PER_REG] * popcount8(hw); /* STM/LDM */
        if ((hw >> 11) == 0x09) return cost[C_LOAD];                                 /* LDR literal */
        if ((hw >> 12) == 5) return (((hw >> 9) & 7) < 3) ? cost[C_STORE] : cost[C_LOAD]; /* reg offset */
        if ((hw >> 12) >= 6 && (hw >> 12) <= 9) return (hw & 0x800) ? cost[C_LOAD] : cost[C_STORE];
        if ((hw & 0xFFC0) == 0x4340) return cost[C_MUL];                             /* MULS */
        return cost[C_ALU];
    }
    unsigned hw2 = p[2] | (p[3] << 8);
    if ((hw & 0xF800) == 0xF000) {
        if ((hw2 & 0xD000) == 0xD000) return cost[C_CALL];                           /* BL */
        if ((hw2 & 0xD000) == 0x9000) return cost[C_JUMP];                           /* B.W */
        if ((hw2 & 0xD000) == 0x8000 && ((hw >> 6) & 0xF) < 0xE) { *cond = 1; return cost[C_BRANCH_NOT_TAKEN]; }
        return cost[C_ALU];
    }
    if ((hw & 0xFFF0) == 0xE8D0 && (hw2 & 0xFFE0) == 0xF000) return cost[C_INDIRECT]; /* TBB/TBH */
    if ((hw & 0xFE40) == 0xE800) {
        uint64_t c = cost[C_MULTI_BASE] + cost[C_MULTI_PER_REG] * __builtin_popcount(hw2);
        return (hw & 0x10) && (hw2 & 0x8000) ? c + cost[C_POP_PC_EXTRA] : c;       /* LDM/STM */
    }
    if ((hw & 0xFE40) == 0xE840) return cost[C_LOAD] + cost[C_MULTI_PER_REG];   /* LDRD/STRD/exclusive */
    if ((hw >> 9) == 0x7C) {                                                          /* load/store single */
        if ((hw & 0x10) && ((hw2 >> 12) & 0xF) == 15 && ((hw >> 5) & 3) == 2) return cost[C_INDIRECT]; /* LDR pc */
        return (hw & 0x10) ? cost[C_LOAD] : cost[C_STORE];
    }
    if ((hw & 0xFFF0) == 0xFB90 || (hw & 0xFFF0) == 0xFBB0) return cost[C_DIV];   /* SDIV/UDIV */
    if ((hw & 0xFF80) == 0xFB00 || (hw & 0xFF80) == 0xFB80) return cost[C_MUL];   /* MUL/MLA/long */
    return cost[C_ALU];
}

static uint64_t rv32_cost(const uint8_t *p, size_t size, int *cond)
{
    *cond = 0;
    if (size == 4) {
        uint32_t insn = p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
        switch (insn & 0x7F) {
        case 0x63: *cond = 1; return cost[C_BRANCH_NOT_TAKEN];
        case 0x6F: return ((insn >> 7) & 0x1F) ? cost[C_CALL] : cost[C_JUMP];
        case 0x67: return cost[C_INDIRECT];
        case 0x03: return cost[C_LOAD];
        case 0x23: return cost[C_STORE];
        case 0x2F: return cost[C_LOAD] + cost[C_STORE];
        case 0x33:
            if ((insn >> 25) == 1) return ((insn >> 12) & 7) < 4 ? cost[C_MUL] : cost[C_DIV];
            return cost[C_ALU];
        default: return cost[C_ALU];
        }
    }
    unsigned h = p[0] | (p[1] << 8), q = h & 3, f3 = (h >> 13) & 7;
    if (q == 1) {
        if (f3 == 5) return cost[C_JUMP];                       /* C.J */
        if (f3 == 1) return cost[C_CALL];                       /* C.JAL */
        if (f3 == 6 || f3 == 7) { *cond = 1; return cost[C_BRANCH_NOT_TAKEN]; }
    } else if (q == 2) {
        if (f3 == 4 && ((h >> 2) & 0x1F) == 0 && ((h >> 7) & 0x1F) != 0) return cost[C_INDIRECT]; /* C.JR/C.JALR */
        if (f3 == 2) return cost[C_LOAD];
        if (f3 == 6) return cost[C_STORE];
    } else if (q == 0) {
        if (f3 == 2) return cost[C_LOAD];
        if (f3 == 6) return cost[C_STORE];
    }
    return cost[C_ALU];
}

static void write_out(void)
{
    FILE *f = out_path ? fopen(out_path, "w") : NULL;
    char buf[1024];
    int len = snprintf(buf, sizeof buf, "{\"total_insns\": %" PRIu64 ", \"limit_hit\": %d, \"windows\": [",
                       total_insns, limit_hit);
    for (int w = 0; w < WINDOWS; w++)
        len += snprintf(buf + len, sizeof buf - len,
                        "%s{\"insns\": %" PRIu64 ", \"cycles\": %" PRIu64 ", \"taken_branches\": %" PRIu64
                        ", \"complete\": %d}", w ? ", " : "", insns[w], cycles[w], taken[w], seen[w] == 2);
    snprintf(buf + len, sizeof buf - len, "]}\n");
    if (f) {
        fputs(buf, f);
        fclose(f);
    } else {
        qemu_plugin_outs(buf);
    }
}

static void tb_exec(unsigned int vcpu, void *udata)
{
    const struct tbinfo *t = udata;
    (void)vcpu;
    if (active >= 0 && prev && prev->ends_cond && t->vaddr != prev->fallthrough) {
        cycles[active] += prev->taken_extra;
        taken[active]++;
    }
    if (t->begins >= 0) {
        active = t->begins;
        seen[active] = 1;
    }
    if (active >= 0) {
        insns[active] += t->ninsns;
        cycles[active] += t->cost;
    }
    if (t->ends >= 0 && t->ends == active) {
        seen[active] = 2;
        active = -1;
    }
    prev = t;
    total_insns += t->ninsns;
    if (limit && total_insns > limit) {
        limit_hit = 1;
        write_out();
        _exit(124);
    }
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    struct tbinfo *t = calloc(1, sizeof *t);
    t->vaddr = qemu_plugin_tb_vaddr(tb);
    t->ninsns = (uint32_t)n;
    t->begins = t->ends = -1;
    for (int w = 0; w < WINDOWS; w++) {
        if (t->vaddr == begin_addr[w])
            t->begins = (int8_t)w;
        if (t->vaddr == end_addr[w])
            t->ends = (int8_t)w;
    }
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        size_t size = qemu_plugin_insn_size(insn);
        const uint8_t *data = qemu_plugin_insn_data(insn);
        int cond = 0;
        t->cost += (isa_thumb ? thumb_cost(data, size, &cond) : rv32_cost(data, size, &cond)) + cost[C_FETCH_WAIT];
        if (i == n - 1) {
            t->ends_cond = (uint8_t)cond;
            t->fallthrough = qemu_plugin_insn_vaddr(insn) + size;
        }
    }
    t->taken_extra = (uint32_t)(cost[C_BRANCH_TAKEN] - cost[C_BRANCH_NOT_TAKEN]);
    qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec, QEMU_PLUGIN_CB_NO_REGS, t);
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    (void)id;
    (void)p;
    write_out();
}

static int load_model(const char *path)
{
    FILE *f = fopen(path, "r");
    char name[64];
    unsigned long long value;
    if (!f)
        return -1;
    while (fscanf(f, "%63s %llu", name, &value) == 2) {
        for (int i = 0; i < C_COUNT; i++)
            if (!strcmp(name, cls_names[i]))
                cost[i] = value;
    }
    fclose(f);
    return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    (void)info;
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            continue;
        *eq = 0;
        const char *k = argv[i], *v = eq + 1;
        if (!strcmp(k, "isa"))
            isa_thumb = strcmp(v, "rv32") != 0;
        else if (!strcmp(k, "model")) {
            if (load_model(v)) {
                fprintf(stderr, "wasmcu cycles plugin: cannot read model %s\n", v);
                return -1;
            }
        } else if (!strncmp(k, "begin", 5) && (k[5] == '0' || k[5] == '1') && !k[6])
            begin_addr[k[5] - '0'] = strtoull(v, NULL, 0);
        else if (!strncmp(k, "end", 3) && (k[3] == '0' || k[3] == '1') && !k[4])
            end_addr[k[3] - '0'] = strtoull(v, NULL, 0);
        else if (!strcmp(k, "out"))
            out_path = strdup(v);
        else if (!strcmp(k, "limit"))
            limit = strtoull(v, NULL, 0);
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
