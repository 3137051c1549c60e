/*
 * wasmcu event-count plugin for QEMU (TCG plugin API version 1).
 *
 * At translation time every instruction is decoded into a class (ALU, load, store,
 * multiply, divide, conditional branch, jump, call, indirect branch, load/store multiple)
 * and each translation block keeps its static event counts. At run time the plugin only
 * counts how often each block runs inside each window, and how many conditional branches
 * were taken (the next block executed does not start at the fall-through address). At
 * exit it writes, per window, the event counts: block counts times static counts, plus
 * the taken branches. It holds no cycle costs: wasmcu turns the counts into cycles with
 * the device profile's cost table (wasmcu/measure/cycles.py), so a changed cost table
 * re-estimates stored results without running anything again.
 *
 * Windows: window 0 is the call into the kernel, window 1 module load and instantiation,
 * each bracketed by the firmware's marker functions.
 *
 * Memory system: with cache=..., instruction fetches from the cached region (the flash
 * the code executes in place from) go through a set-associative LRU cache model of the
 * device's geometry: every cache line a block spans is looked up each time the block
 * runs (hits and misses counted). With data=1 every load reports its address too: loads
 * are counted by region (the cached flash, RAM, anything else: peripherals), and loads from
 * the cached region go through the same cache (data hits and misses). (QEMU 7.2 reports no
 * access at all to callbacks registered for reads only: they are registered for reads and
 * writes, and the writes are left out with qemu_plugin_mem_is_store.)
 *
 * Speed: the plugin runs a function each time a block is executed, the emulation's hot path,
 * so the cache model there is lazy, and gives the counts of the exact LRU cache: a block's
 * lines are looked up only when a line was filled (so another evicted) since the block's
 * last lookups; otherwise they are all still in the cache and hit. The recency that LRU needs
 * is kept per block (when it last ran) and, for fills and data loads, per way; when a fill
 * needs a victim, a line's last use is the latest of its way's time and the last run of
 * every block that spans it. Times are (instructions run before the block + 1) << 16 plus
 * the line's place in the block, or 1 << 15 plus the data load's place: unique and in the
 * order the accesses happen. A block that spans more lines than the cache has sets (two of
 * its lines could share a set) is looked up line by line every time instead.
 *
 * Arguments (QEMU 7.2 syntax: -plugin file.so,name=value,...):
 *   isa=thumb|rv32     instruction set to decode
 *   begin0=ADDR end0=ADDR  marker functions of window 0 (the call into the kernel)
 *   begin1=ADDR end1=ADDR  marker functions of window 1 (module load and instantiation)
 *   out=PATH           where to write the counts (JSON) at exit
 *   limit=N            stop the emulation after N instructions in total (0: no limit)
 *   cache=BASE:SIZE:BYTES:WAYS:LINE  cached region and the cache's geometry
 *   ram=BASE:SIZE      the RAM region (for data=1)
 *   data=1             count loads by region; loads from the cached region through the cache
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu-plugin-api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = WASMCU_QEMU_PLUGIN_VERSION;

/* Static events of one instruction. A class per instruction (E_ALU..E_MULTI) and extra
 * events: registers moved by load/store multiple (and the second register of LDRD/STRD),
 * POP/LDM that load the PC, PUSH that stores the LR (counted apart to compare with models
 * that do not charge a cycle for it), the store half of an atomic memory operation,
 * compressed (16-bit) RISC-V instructions, load-use pairs (RISC-V and Thumb): a load whose
 * result the next instruction of the block reads, where an in-order pipeline may stall, and
 * (Thumb) pairs of adjacent 16-bit data-processing instructions, the second neither reading
 * nor writing a register the first writes: what a core with limited dual issue (the Cortex-M33) may issue together.
 * Pairs are taken greedily in program order within a block, each instruction in one pair at
 * most (E_PAIR16 counts pairs; both instructions are counted as ALU too).
 * Floating point (Thumb-2 VFP, as on the Cortex-M33's FPU) in three classes: arithmetic,
 * moves, compares and conversions (E_FP); the multiply-accumulates and fused
 * multiply-adds (E_FP_MAC); divide and square root (E_FP_DIV). VLDR/VSTR are loads and
 * stores, VLDM/VSTM/VPUSH/VPOP load/store multiple, transfers to core registers ALU. */
enum ev {
    E_ALU, E_LOAD, E_STORE, E_MUL, E_DIV, E_BRANCH, E_JUMP, E_CALL, E_INDIRECT, E_MULTI,
    E_MULTI_REGS, E_POP_PC, E_PUSH_LR, E_COMPRESSED, E_LOAD_USE, E_FP, E_FP_MAC, E_FP_DIV, E_PAIR16, E_COUNT
};
static const char *ev_names[E_COUNT] = {
    "alu", "load", "store", "mul", "div", "branch", "jump", "call", "indirect", "multi",
    "multi_regs", "pop_pc", "push_lr", "compressed", "load_use", "fp", "fp_mac", "fp_div", "pair16",
};
/* dynamic memory-system events */
enum mev { M_IHIT, M_IMISS, M_DHIT, M_DMISS, M_LOAD_FLASH, M_LOAD_RAM, M_LOAD_OTHER, M_COUNT };
static const char *mev_names[M_COUNT] = {
    "ifetch_hit", "ifetch_miss", "dfetch_hit", "dfetch_miss", "load_flash", "load_ram", "load_other",
};

#define WINDOWS 2
#define NO_BRANCH UINT64_MAX   /* `expect` when the block run last did not end with a conditional branch */

/* A translated block. The fields read on every run come first: tb_exec is the emulation's hot
 * path (one call per block executed), and counts runs without regard to the windows; when a
 * window opens, every block's count is noted (`base`), and what the counts grew by is added to
 * the window's when it closes (settle). */
struct tbinfo {
    uint64_t vaddr;
    uint64_t expect;      /* where execution falls through when the block ends with a conditional branch; else NO_BRANCH */
    uint64_t count;       /* runs */
    uint64_t looked;      /* `fills` after its last lookups (UINT64_MAX: none yet, or a block looked up every run) */
    uint64_t last;        /* the time base of its last run (0: never ran) */
    uint32_t ninsns;
    uint32_t nlines;      /* cache lines of the cached region the block spans */
    uint8_t marks;        /* the block opens or closes a window */
    int8_t begins;        /* window this block's start opens, or -1 */
    int8_t ends;          /* window this block's start closes, or -1 */
    uint8_t lazy;         /* its lines are looked up only after a fill (see Speed above) */
    uint64_t base;        /* `count` when the open window opened */
    uint64_t execs[WINDOWS];
    uint32_t first_line;
    uint64_t fallthrough;
    uint32_t ev[E_COUNT];
    struct tbinfo *next;
};

static int isa_thumb = 1;
static uint64_t begin_addr[WINDOWS] = {UINT64_MAX, UINT64_MAX}, end_addr[WINDOWS] = {UINT64_MAX, UINT64_MAX};
static uint64_t limit;
static char *out_path;
static struct tbinfo *blocks; /* every translated block, for the sums at exit */
static uint64_t expect = NO_BRANCH; /* the fall-through address of the block run last, when it ended with a conditional branch */
static int slot, limit_hit;         /* slot: 0 outside the windows, else the window open + 1 */
static int seen[WINDOWS];
static uint64_t total_insns, limit_at = UINT64_MAX;
/* Taken branches: a block that follows one ending with a conditional branch either starts at
 * its fall-through address (not taken: counted) or not (taken). A window's taken branches are
 * its runs of blocks ending with a conditional branch, less those not taken, less those whose
 * next block is not counted in the window (the block that closes it, the emulation's last). */
static uint64_t not_taken, imisses;                      /* since the start */
static uint64_t not_taken_at, imisses_at;                /* when the open window opened */
static uint64_t not_taken_w[WINDOWS], imisses_w[WINDOWS], no_next_w[WINDOWS];
static uint64_t mem_events[WINDOWS + 1][M_COUNT];        /* data loads: slot 0 outside the windows */

/* the cache: sets x ways, per way the line it holds + 1 (0: empty) and the time of its last
 * use recorded there (fill, data load, or a block looked up line by line) */
static uint64_t cache_base, cache_size, ram_base, ram_size;
static int data_on;
static uint32_t line_bytes, nsets, nways, set_mask; /* set_mask: nsets - 1 when a power of two */
static uint32_t *tags;
static uint64_t *way_time;
static uint64_t fills; /* lines filled so far: while it stays the same, no line left the cache */
static uint64_t tick;  /* the time base of the block running: instructions run before it + 1 */
static uint32_t data_seq; /* data loads of the block running so far */

/* blocks that span a line of the cached region, and the line's place in each */
struct cover {
    const struct tbinfo *t;
    uint32_t index;
    struct cover *next;
};
static struct cover **covers; /* per line of the cached region */

#define TIME(base, place) (((base) << 16) | (place))
#define DATA_PLACE(k) ((1u << 15) | ((k) < 0x7FFFu ? (k) : 0x7FFFu))

static inline uint32_t set_of(uint32_t line)
{
    return set_mask ? (line & set_mask) : line % nsets;
}

/* The last use of the line held in way `w` of a set. */
static uint64_t last_use(uint32_t w)
{
    uint64_t when = way_time[w];
    for (const struct cover *c = covers[tags[w] - 1]; c; c = c->next) {
        uint64_t run = TIME(c->t->last, c->index);
        if (c->t->last && run > when)
            when = run;
    }
    return when;
}

/* Looks a line up at time `now`: on a hit, records the use in its way when `record`; on a
 * miss, fills it in place of the least recently used line (or an empty way). Returns 1 on a hit. */
static int cache_access(uint32_t line, uint64_t now, int record)
{
    uint32_t first = set_of(line) * nways, tag = line + 1, victim = first;
    uint64_t oldest = UINT64_MAX;
    for (uint32_t w = first; w < first + nways; w++) {
        if (tags[w] == tag) {
            if (record)
                way_time[w] = now;
            return 1;
        }
    }
    for (uint32_t w = first; w < first + nways; w++) {
        uint64_t used = tags[w] ? last_use(w) : 0;
        if (used < oldest)
            oldest = used, victim = w;
        if (!tags[w])
            break;
    }
    tags[victim] = tag;
    way_time[victim] = now;
    fills++;
    return 0;
}

static void mem_access(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    (void)vcpu;
    (void)udata;
    if (qemu_plugin_mem_is_store(info))
        return;
    if (nsets && vaddr - cache_base < cache_size) {
        int hit = cache_access((uint32_t)((vaddr - cache_base) / line_bytes), TIME(tick, DATA_PLACE(data_seq)), 1);
        data_seq++;
        mem_events[slot][M_LOAD_FLASH]++;
        mem_events[slot][hit ? M_DHIT : M_DMISS]++;
    } else {
        mem_events[slot][vaddr - ram_base < ram_size ? M_LOAD_RAM : M_LOAD_OTHER]++;
    }
}

static int popcount8(unsigned v) { return __builtin_popcount(v & 0xffu); }

/* Thumb (ARMv6-M and ARMv8-M mainline): adds the instruction's events to ev[];
 * returns 1 when it is a conditional branch. */
static int thumb_events(const uint8_t *p, size_t size, uint32_t *ev)
{
    unsigned hw = p[0] | (p[1] << 8);
    if (size == 2) {
        if ((hw >> 12) == 0xD) {
            unsigned c = (hw >> 8) & 0xF;
            if (c < 0xE) { ev[E_BRANCH]++; return 1; }
            ev[E_ALU]++; /* SVC/UDF */
            return 0;
        }
        if ((hw & 0xF500) == 0xB100) { ev[E_BRANCH]++; return 1; }                  /* CBZ/CBNZ */
        if ((hw >> 11) == 0x1C) { ev[E_JUMP]++; return 0; }                          /* B */
        if ((hw & 0xFF00) == 0x4700) { ev[E_INDIRECT]++; return 0; }                 /* BX/BLX */
        if (((hw & 0xFF00) == 0x4400 || (hw & 0xFF00) == 0x4600) && ((hw & 7) | ((hw >> 4) & 8)) == 15) {
            ev[E_INDIRECT]++;                                                          /* ADD/MOV pc */
            return 0;
        }
        if ((hw & 0xFE00) == 0xB400 || (hw & 0xFE00) == 0xBC00) {                    /* PUSH/POP */
            ev[E_MULTI]++;
            ev[E_MULTI_REGS] += popcount8(hw) + ((hw >> 8) & 1);
            if ((hw & 0xFE00) == 0xBC00 && (hw & 0x100))
                ev[E_POP_PC]++;
            if ((hw & 0xFE00) == 0xB400 && (hw & 0x100))
                ev[E_PUSH_LR]++;
            return 0;
        }
        if ((hw >> 11) == 0x18 || (hw >> 11) == 0x19) {                               /* STM/LDM */
            ev[E_MULTI]++;
            ev[E_MULTI_REGS] += popcount8(hw);
            return 0;
        }
        if ((hw >> 11) == 0x09) { ev[E_LOAD]++; return 0; }                          /* LDR literal */
        if ((hw >> 12) == 5) { ev[((hw >> 9) & 7) < 3 ? E_STORE : E_LOAD]++; return 0; } /* reg offset */
        if ((hw >> 12) >= 6 && (hw >> 12) <= 9) { ev[(hw & 0x800) ? E_LOAD : E_STORE]++; return 0; }
        if ((hw & 0xFFC0) == 0x4340) { ev[E_MUL]++; return 0; }                      /* MULS */
        ev[E_ALU]++;
        return 0;
    }
    unsigned hw2 = p[2] | (p[3] << 8);
    if ((hw & 0xF800) == 0xF000) {
        if ((hw2 & 0xD000) == 0xD000) { ev[E_CALL]++; return 0; }                    /* BL */
        if ((hw2 & 0xD000) == 0x9000) { ev[E_JUMP]++; return 0; }                    /* B.W */
        if ((hw2 & 0xD000) == 0x8000 && ((hw >> 6) & 0xF) < 0xE) { ev[E_BRANCH]++; return 1; }
        ev[E_ALU]++;
        return 0;
    }
    if ((hw & 0xFFF0) == 0xE8D0 && (hw2 & 0xFFE0) == 0xF000) { ev[E_INDIRECT]++; return 0; } /* TBB/TBH */
    if ((hw & 0xFE40) == 0xE800) {                                                    /* LDM/STM */
        ev[E_MULTI]++;
        ev[E_MULTI_REGS] += __builtin_popcount(hw2);
        if ((hw & 0x10) && (hw2 & 0x8000))
            ev[E_POP_PC]++;
        return 0;
    }
    if ((hw & 0xFE40) == 0xE840) {                                                    /* LDRD/STRD/exclusive */
        ev[(hw & 0x10) ? E_LOAD : E_STORE]++;
        ev[E_MULTI_REGS]++;
        return 0;
    }
    if ((hw >> 9) == 0x7C) {                                                          /* load/store single */
        if ((hw & 0x10) && ((hw2 >> 12) & 0xF) == 15 && ((hw >> 5) & 3) == 2) { ev[E_INDIRECT]++; return 0; } /* LDR pc */
        ev[(hw & 0x10) ? E_LOAD : E_STORE]++;
        return 0;
    }
    if ((hw & 0xEC00) == 0xEC00 && ((hw2 >> 9) & 7) == 5) {                           /* VFP (coprocessor 10/11) */
        if ((hw & 0xFE00) == 0xEC00) {                                                 /* extension load/store */
            unsigned op = (hw >> 4) & 0x1F;
            if ((op & 0x1E) == 0x04) { ev[E_ALU]++; return 0; }                        /* VMOV two core registers */
            if ((op & 0x13) == 0x10) { ev[E_STORE]++; return 0; }                      /* VSTR */
            if ((op & 0x13) == 0x11) { ev[E_LOAD]++; return 0; }                       /* VLDR */
            ev[E_MULTI]++;                                                             /* VLDM/VSTM/VPUSH/VPOP */
            ev[E_MULTI_REGS] += hw2 & 0xFF;                                            /* words moved */
            return 0;
        }
        if ((hw & 0xFF00) == 0xEE00 && !(hw2 & 0x10)) {                               /* data processing */
            unsigned opc1 = ((hw >> 4) & 3) | ((hw >> 5) & 4), opc2 = hw & 0xF, opc3 = (hw2 >> 6) & 3;
            if (opc1 == 4 || (opc1 == 7 && opc2 == 1 && opc3 == 3)) { ev[E_FP_DIV]++; return 0; } /* VDIV, VSQRT */
            if (opc1 <= 1 || opc1 == 5 || opc1 == 6) { ev[E_FP_MAC]++; return 0; }     /* VMLA.., VFMA.. */
            ev[E_FP]++;
            return 0;
        }
        ev[E_ALU]++;                                                                   /* VMOV core, VMRS/VMSR */
        return 0;
    }
    if ((hw & 0xFFF0) == 0xFB90 || (hw & 0xFFF0) == 0xFBB0) { ev[E_DIV]++; return 0; } /* SDIV/UDIV */
    if ((hw & 0xFF80) == 0xFB00 || (hw & 0xFF80) == 0xFB80) { ev[E_MUL]++; return 0; } /* MUL/MLA/long */
    ev[E_ALU]++;
    return 0;
}

/* Thumb register use, for load-use pairs and dual-issue pairs: the registers an instruction
 * reads and writes (bit masks over r0..r15). The encodings that matter for these pairs are
 * decoded (ARMv7-M/ARMv8-M Architecture Reference Manual, Thumb instruction set encoding);
 * an instruction not decoded here reads and writes nothing as far as the pairs go. */
struct regs { uint32_t r, w; };

static struct regs thumb_regs(const uint8_t *p, size_t size)
{
    unsigned hw = p[0] | (p[1] << 8);
    struct regs x = {0, 0};
    if (size == 2) {
        unsigned lo0 = hw & 7, lo3 = (hw >> 3) & 7, lo6 = (hw >> 6) & 7, lo8 = (hw >> 8) & 7;
        if ((hw >> 13) == 0) {                                       /* shift (imm), add, sub, mov, cmp */
            unsigned op = (hw >> 11) & 3;
            if (op < 3) { x.r = 1u << lo3; x.w = 1u << lo0; }         /* LSL/LSR/ASR imm */
            else {                                                    /* ADD/SUB reg or imm3 */
                x.r = 1u << lo3;
                if (!(hw & 0x400)) x.r |= 1u << lo6;
                x.w = 1u << lo0;
            }
        } else if ((hw >> 13) == 1) {                                 /* MOV/CMP/ADD/SUB imm8 */
            unsigned op = (hw >> 11) & 3;
            if (op != 0) x.r = 1u << lo8;
            if (op != 1) x.w = 1u << lo8;
        } else if ((hw >> 10) == 0x10) {                              /* data processing (register) */
            unsigned op = (hw >> 6) & 0xF;
            x.r = 1u << lo3;
            if (op != 0x9 && op != 0xF) x.r |= 1u << lo0;             /* RSB/NEG and MVN read Rm only */
            if (op != 0x8 && op != 0xA && op != 0xB) x.w = 1u << lo0; /* TST, CMP, CMN write nothing */
        } else if ((hw >> 10) == 0x11) {                              /* special data, BX/BLX */
            unsigned op = (hw >> 8) & 3, rm = (hw >> 3) & 0xF, rdn = (hw & 7) | ((hw >> 4) & 8);
            if (op == 0) { x.r = (1u << rdn) | (1u << rm); x.w = 1u << rdn; }
            else if (op == 1) x.r = (1u << rdn) | (1u << rm);
            else if (op == 2) { x.r = 1u << rm; x.w = 1u << rdn; }
            else x.r = 1u << rm;
        } else if ((hw >> 11) == 0x09) {                              /* LDR literal */
            x.w = 1u << lo8;
        } else if ((hw >> 12) == 5) {                                 /* load/store register offset */
            x.r = (1u << lo3) | (1u << lo6);
            if (((hw >> 9) & 7) < 3) x.r |= 1u << lo0; else x.w = 1u << lo0;
        } else if ((hw >> 12) >= 6 && (hw >> 12) <= 8) {              /* load/store immediate offset */
            x.r = 1u << lo3;
            if (hw & 0x800) x.w = 1u << lo0; else x.r |= 1u << lo0;
        } else if ((hw >> 12) == 9) {                                 /* load/store SP-relative */
            x.r = 1u << 13;
            if (hw & 0x800) x.w = 1u << lo8; else x.r |= 1u << lo8;
        } else if ((hw >> 11) == 0x14) {                              /* ADR */
            x.w = 1u << lo8;
        } else if ((hw >> 11) == 0x15) {                              /* ADD Rd, SP, #imm */
            x.r = 1u << 13; x.w = 1u << lo8;
        } else if ((hw >> 12) == 0xB) {                               /* miscellaneous */
            if ((hw & 0xFF00) == 0xB000) { x.r = x.w = 1u << 13; }    /* ADD/SUB SP, SP, #imm */
            else if ((hw & 0xF500) == 0xB100) x.r = 1u << lo0;        /* CBZ/CBNZ */
            else if ((hw & 0xFF00) == 0xB200 || (hw & 0xFF00) == 0xBA00) { x.r = 1u << lo3; x.w = 1u << lo0; } /* extend, REV */
            else if ((hw & 0xFE00) == 0xB400) { x.r = (1u << 13) | (hw & 0xFF) | ((hw & 0x100) ? 1u << 14 : 0); x.w = 1u << 13; }
            else if ((hw & 0xFE00) == 0xBC00) { x.r = 1u << 13; x.w = (1u << 13) | (hw & 0xFF) | ((hw & 0x100) ? 1u << 15 : 0); }
        } else if ((hw >> 11) == 0x18) {                              /* STM */
            x.r = (1u << lo8) | (hw & 0xFF); x.w = 1u << lo8;
        } else if ((hw >> 11) == 0x19) {                              /* LDM */
            x.r = 1u << lo8; x.w = (1u << lo8) | (hw & 0xFF);
        }
        return x;
    }
    unsigned hw2 = p[2] | (p[3] << 8), rn = hw & 0xF, rm = hw2 & 0xF, rd = (hw2 >> 8) & 0xF, rt = (hw2 >> 12) & 0xF;
    if ((hw & 0xF800) == 0xF000 && !(hw2 & 0x8000)) {                 /* data processing (immediate) */
        if ((hw & 0xFBF0) == 0xF240) x.w = 1u << rd;                  /* MOVW */
        else if ((hw & 0xFBF0) == 0xF2C0) x.r = x.w = 1u << rd;       /* MOVT */
        else { x.r = 1u << rn; x.w = 1u << rd; }
    } else if ((hw & 0xFE00) == 0xEA00) {                             /* data processing (shifted register) */
        x.r = (1u << rn) | (1u << rm); x.w = 1u << rd;
    } else if ((hw & 0xFF00) == 0xFA00) {                             /* data processing (register) */
        x.r = (1u << rn) | (1u << rm); x.w = 1u << rd;
    } else if ((hw & 0xFF80) == 0xFB00) {                             /* multiply, multiply-accumulate */
        x.r = (1u << rn) | (1u << rm) | (rt != 15 ? 1u << rt : 0); x.w = 1u << rd;
    } else if ((hw & 0xFF80) == 0xFB80) {                             /* long multiply, divide */
        x.r = (1u << rn) | (1u << rm);
        if ((hw & 0x70) >= 0x40) x.r |= (1u << rt) | (1u << rd);      /* accumulating forms */
        x.w = ((hw & 0x70) == 0x10 || (hw & 0x70) == 0x30) ? 1u << rd : (1u << rt) | (1u << rd);
    } else if ((hw >> 9) == 0x7C) {                                   /* load/store single */
        x.r = 1u << rn;
        if (!(hw & 0x80) && (hw2 & 0x0FC0) == 0) x.r |= 1u << rm;     /* register offset */
        if (hw & 0x10) x.w = 1u << rt; else x.r |= 1u << rt;
    } else if ((hw & 0xFE40) == 0xE840) {                             /* LDRD/STRD/exclusive */
        x.r = 1u << rn;
        if (hw & 0x10) x.w = (1u << rt) | (1u << rd); else x.r |= (1u << rt) | (1u << rd);
    } else if ((hw & 0xFE40) == 0xE800) {                             /* LDM/STM */
        x.r = 1u << rn;
        if (hw & 0x10) x.w = hw2; else x.r |= hw2;
        if (hw & 0x20) x.w |= 1u << rn;
    } else if ((hw & 0xEE00) == 0xEC00 && ((hw2 >> 9) & 7) == 5) {   /* VFP load/store (base register) */
        x.r = 1u << rn;
    } else if ((hw & 0xFF10) == 0xEE10 && ((hw2 >> 9) & 7) == 5 && (hw2 & 0x10)) {
        x.w = rt == 15 ? 0 : 1u << rt;                                /* VMOV core <- S, VMRS */
    } else if ((hw & 0xFF10) == 0xEE00 && ((hw2 >> 9) & 7) == 5 && (hw2 & 0x10)) {
        x.r = 1u << rt;                                               /* VMOV S <- core, VMSR */
    }
    return x;
}

static int rv32_events(const uint8_t *p, size_t size, uint32_t *ev)
{
    if (size == 4) {
        uint32_t insn = p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
        switch (insn & 0x7F) {
        case 0x63: ev[E_BRANCH]++; return 1;
        case 0x6F: ev[((insn >> 7) & 0x1F) ? E_CALL : E_JUMP]++; return 0;
        case 0x67: ev[E_INDIRECT]++; return 0;
        case 0x03: ev[E_LOAD]++; return 0;
        case 0x23: ev[E_STORE]++; return 0;
        case 0x2F: ev[E_LOAD]++; ev[E_STORE]++; return 0; /* AMO: a load and a store */
        case 0x33:
            if ((insn >> 25) == 1) { ev[((insn >> 12) & 7) < 4 ? E_MUL : E_DIV]++; return 0; }
            ev[E_ALU]++;
            return 0;
        default: ev[E_ALU]++; return 0;
        }
    }
    unsigned h = p[0] | (p[1] << 8), q = h & 3, f3 = (h >> 13) & 7;
    ev[E_COMPRESSED]++;
    if (q == 1) {
        if (f3 == 5) { ev[E_JUMP]++; return 0; }                /* C.J */
        if (f3 == 1) { ev[E_CALL]++; return 0; }                /* C.JAL */
        if (f3 == 6 || f3 == 7) { ev[E_BRANCH]++; return 1; }   /* C.BEQZ/C.BNEZ */
    } else if (q == 2) {
        if (f3 == 4 && ((h >> 2) & 0x1F) == 0 && ((h >> 7) & 0x1F) != 0) { ev[E_INDIRECT]++; return 0; } /* C.JR/C.JALR */
        if (f3 == 2) { ev[E_LOAD]++; return 0; }                /* C.LWSP */
        if (f3 == 6) { ev[E_STORE]++; return 0; }               /* C.SWSP */
    } else if (q == 0) {
        if (f3 == 2) { ev[E_LOAD]++; return 0; }                /* C.LW */
        if (f3 == 6) { ev[E_STORE]++; return 0; }               /* C.SW */
    }
    ev[E_ALU]++;
    return 0;
}

/* RISC-V register use, for load-use pairs: the register a load writes (0: not a load), and
 * the registers an instruction reads (a bit mask, x0 never counts). */
static unsigned rv_load_rd(const uint8_t *p, size_t size)
{
    unsigned h = p[0] | (p[1] << 8);
    if (size == 4) {
        uint32_t insn = h | (p[2] << 16) | ((uint32_t)p[3] << 24);
        return (insn & 0x7F) == 0x03 ? (insn >> 7) & 0x1F : 0;
    }
    unsigned q = h & 3, f3 = (h >> 13) & 7;
    if (q == 0 && f3 == 2)
        return 8 + ((h >> 2) & 7); /* C.LW rd' */
    if (q == 2 && f3 == 2)
        return (h >> 7) & 0x1F;    /* C.LWSP rd */
    return 0;
}

static uint32_t rv_reads(const uint8_t *p, size_t size)
{
    unsigned h = p[0] | (p[1] << 8);
    uint32_t m = 0;
    if (size == 4) {
        uint32_t insn = h | (p[2] << 16) | ((uint32_t)p[3] << 24), rs1 = (insn >> 15) & 0x1F, rs2 = (insn >> 20) & 0x1F;
        switch (insn & 0x7F) {
        case 0x33: case 0x23: case 0x63: case 0x2F: m = (1u << rs1) | (1u << rs2); break;
        case 0x13: case 0x03: case 0x67: m = 1u << rs1; break;
        case 0x73: if ((insn >> 12) & 3) m = 1u << rs1; break;
        default: break;
        }
        return m & ~1u;
    }
    unsigned q = h & 3, f3 = (h >> 13) & 7, r1 = (h >> 7) & 0x1F, r2 = (h >> 2) & 0x1F;
    unsigned r1p = 8 + ((h >> 7) & 7), r2p = 8 + ((h >> 2) & 7);
    if (q == 0) {
        if (f3 == 2) m = 1u << r1p;                                    /* C.LW */
        else if (f3 == 6) m = (1u << r1p) | (1u << r2p);               /* C.SW */
    } else if (q == 1) {
        if (f3 == 0 || f3 == 1) m = 1u << r1;                          /* C.ADDI, C.JAL(rd ra: none) */
        if (f3 == 1) m = 0;
        if (f3 == 3 && r1 == 2) m = 1u << 2;                           /* C.ADDI16SP */
        if (f3 == 4) {
            m = 1u << r1p;                                             /* C.SRLI/SRAI/ANDI */
            if (((h >> 10) & 3) == 3) m |= 1u << r2p;                  /* C.SUB/XOR/OR/AND */
        }
        if (f3 == 6 || f3 == 7) m = 1u << r1p;                         /* C.BEQZ/C.BNEZ */
    } else if (q == 2) {
        if (f3 == 0) m = 1u << r1;                                     /* C.SLLI */
        else if (f3 == 2) m = 1u << 2;                                 /* C.LWSP */
        else if (f3 == 6) m = (1u << 2) | (1u << r2);                  /* C.SWSP */
        else if (f3 == 4) {
            if (r2 == 0) m = 1u << r1;                                 /* C.JR/C.JALR */
            else if ((h >> 12) & 1) m = (1u << r1) | (1u << r2);      /* C.ADD */
            else m = 1u << r2;                                         /* C.MV */
        }
    }
    return m & ~1u;
}

/* Adds to the open window what the counts grew by since it opened (or was last settled). */
static void settle(void)
{
    if (!slot)
        return;
    int w = slot - 1;
    for (struct tbinfo *t = blocks; t; t = t->next) {
        t->execs[w] += t->count - t->base;
        t->base = t->count;
    }
    not_taken_w[w] += not_taken - not_taken_at;
    imisses_w[w] += imisses - imisses_at;
    not_taken_at = not_taken, imisses_at = imisses;
}

static void open_window(int w)
{
    settle();
    for (struct tbinfo *t = blocks; t; t = t->next)
        t->base = t->count;
    not_taken_at = not_taken, imisses_at = imisses;
    slot = w + 1;
    seen[w] = 1;
}

static void write_out(void)
{
    uint64_t insns[WINDOWS] = {0}, lines[WINDOWS] = {0}, conds[WINDOWS] = {0}, events[WINDOWS][E_COUNT];
    memset(events, 0, sizeof events);
    if (slot) { /* the emulation ends in a window */
        no_next_w[slot - 1] += expect != NO_BRANCH;
        settle();
    }
    for (const struct tbinfo *t = blocks; t; t = t->next)
        for (int w = 0; w < WINDOWS; w++) {
            uint64_t n = t->execs[w];
            if (!n)
                continue;
            insns[w] += n * t->ninsns;
            lines[w] += n * t->nlines;
            conds[w] += t->expect != NO_BRANCH ? n : 0;
            for (int k = 0; k < E_COUNT; k++)
                events[w][k] += n * t->ev[k];
        }
    for (int w = 0; w < WINDOWS; w++) {
        mem_events[w + 1][M_IMISS] = imisses_w[w];
        mem_events[w + 1][M_IHIT] = lines[w] - imisses_w[w];
    }
    FILE *f = out_path ? fopen(out_path, "w") : stdout;
    if (!f)
        return;
    fprintf(f, "{\"total_insns\": %" PRIu64 ", \"limit_hit\": %d, \"cache\": %d, \"data\": %d, \"windows\": [",
            total_insns, limit_hit, nsets > 0, data_on);
    for (int w = 0; w < WINDOWS; w++) {
        fprintf(f, "%s{\"insns\": %" PRIu64 ", \"complete\": %d, \"events\": {\"taken_branches\": %" PRIu64,
                w ? ", " : "", insns[w], seen[w] == 2, conds[w] - no_next_w[w] - not_taken_w[w]);
        for (int k = 0; k < E_COUNT; k++)
            fprintf(f, ", \"%s\": %" PRIu64, ev_names[k], events[w][k]);
        for (int k = 0; k < M_COUNT; k++)
            fprintf(f, ", \"%s\": %" PRIu64, mev_names[k], mem_events[w + 1][k]);
        fputs("}}", f);
    }
    fputs("]}\n", f);
    if (f != stdout)
        fclose(f);
}

/* The instruction-cache lookups of one run of block t (t->last: its time base); returns the
 * misses. A lazy block notes that its lines are in the cache as of now; the others keep
 * `looked` at UINT64_MAX, and are looked up at every run. */
static uint64_t look_up(struct tbinfo *t)
{
    uint64_t misses = 0;
    if (t->lazy) {
        for (uint32_t i = 0; i < t->nlines; i++)
            misses += !cache_access(t->first_line + i, TIME(t->last, i), 0);
        t->looked = fills;
    } else {
        for (uint32_t i = 0; i < t->nlines; i++)
            misses += !cache_access(t->first_line + i, TIME(t->last, i), 1);
    }
    return misses;
}

static __attribute__((noinline, cold, noreturn)) void stop_at_limit(void)
{
    limit_hit = 1;
    write_out();
    _exit(124);
}

/* A run of block t, in full: windows, data loads, every kind of lookup. Blocks that open or
 * close a window, and every block when data loads are counted, run this. */
static void tb_exec_full(unsigned int vcpu, void *udata)
{
    struct tbinfo *t = udata;
    (void)vcpu;
    not_taken += t->vaddr == expect;
    if (t->begins >= 0)
        open_window(t->begins);
    t->count++;
    tick = total_insns + 1;
    data_seq = 0;
    total_insns += t->ninsns;
    t->last = tick;
    if (t->looked != fills)
        imisses += look_up(t);
    if (slot && t->ends == slot - 1) {
        no_next_w[t->ends] += t->expect != NO_BRANCH;
        settle();
        seen[t->ends] = 2;
        slot = 0;
    }
    expect = t->expect;
    if (total_insns > limit_at)
        stop_at_limit();
}

/* The rest of a run of block t whose lines must be looked up (out of line, so that tb_exec
 * saves no registers). */
static __attribute__((noinline)) void tb_exec_look_up(struct tbinfo *t)
{
    imisses += look_up(t);
    if (total_insns > limit_at)
        stop_at_limit();
}

/* A run of block t that opens or closes no window, data loads not counted: the emulation's
 * hot path (one call per block executed), tb_exec_full's steps in the same order. */
static void tb_exec(unsigned int vcpu, void *udata)
{
    struct tbinfo *t = udata;
    (void)vcpu;
    not_taken += t->vaddr == expect;
    t->count++;
    uint64_t now = total_insns;
    t->last = now + 1;
    total_insns = now + t->ninsns;
    expect = t->expect;
    if (t->looked != fills) {
        tb_exec_look_up(t);
        return;
    }
    if (total_insns > limit_at)
        stop_at_limit();
}

/* An instruction's size from its first halfword. QEMU 7.2 may report more bytes than the
 * instruction has: when a 16-bit Thumb instruction ends just before a page boundary, the
 * translator peeks at the next halfword (to see whether the instruction crosses the page),
 * and the bytes it read are appended to the instruction's data. */
static size_t insn_size(const uint8_t *p, size_t reported)
{
    unsigned hw = p[0] | (p[1] << 8);
    size_t size = isa_thumb ? ((hw >> 11) >= 0x1D ? 4 : 2) : ((hw & 3) == 3 ? 4 : 2);
    return size < reported ? size : reported;
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
    t->marks = t->begins >= 0 || t->ends >= 0;
    t->looked = UINT64_MAX; /* not looked up yet */
    t->lazy = 1;            /* a block outside the cached region: nothing to look up after its first run */
    unsigned loaded = 0;      /* register the previous instruction loaded (RISC-V), or 0 */
    uint32_t loaded_mask = 0; /* registers the previous instruction loaded (Thumb) */
    uint32_t pending = 0;     /* (Thumb) the previous instruction can start a pair: 1 + what it writes */
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        const uint8_t *data = qemu_plugin_insn_data(insn);
        size_t size = insn_size(data, qemu_plugin_insn_size(insn));
        uint32_t reads = t->ev[E_LOAD] + t->ev[E_MULTI] + t->ev[E_INDIRECT];
        uint32_t loads = t->ev[E_LOAD], alus = t->ev[E_ALU];
        int cond = isa_thumb ? thumb_events(data, size, t->ev) : rv32_events(data, size, t->ev);
        if (data_on && t->ev[E_LOAD] + t->ev[E_MULTI] + t->ev[E_INDIRECT] != reads) /* may read memory */
            qemu_plugin_register_vcpu_mem_cb(insn, mem_access, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, NULL);
        if (!isa_thumb) {
            if (loaded && (rv_reads(data, size) >> loaded) & 1)
                t->ev[E_LOAD_USE]++;
            loaded = rv_load_rd(data, size);
        } else {
            struct regs r = thumb_regs(data, size);
            unsigned hw = data[0] | (data[1] << 8);
            if (r.r & loaded_mask)
                t->ev[E_LOAD_USE]++;
            loaded_mask = t->ev[E_LOAD] != loads ? r.w & 0x7FFFu : 0;
            /* 16-bit data processing: not SVC/UDF, IT and hints, BKPT, CPS; not writing the pc */
            int pairable = size == 2 && t->ev[E_ALU] != alus && (hw >> 12) != 0xD && (hw & 0xFF00) != 0xBF00 &&
                           (hw & 0xFF00) != 0xBE00 && (hw & 0xFF00) != 0xB600 && !(r.w & 0x8000u);
            if (pending && pairable && !((r.r | r.w) & (pending - 1))) {
                t->ev[E_PAIR16]++;
                pending = 0;
            } else
                pending = pairable ? 1 + r.w : 0;
        }
        if (i == n - 1) {
            t->fallthrough = qemu_plugin_insn_vaddr(insn) + size;
            t->expect = cond ? t->fallthrough : NO_BRANCH;
        }
    }
    uint64_t end = t->fallthrough;
    if (nsets && t->vaddr - cache_base < cache_size && n) {
        t->first_line = (uint32_t)((t->vaddr - cache_base) / line_bytes);
        t->nlines = (uint32_t)((end - 1 - cache_base) / line_bytes) - t->first_line + 1;
        t->lazy = t->nlines <= nsets && t->nlines < (1u << 15);
        if (!t->lazy)
            t->looked = UINT64_MAX;
        for (uint32_t i = 0; t->lazy && i < t->nlines; i++) {
            struct cover *c = malloc(sizeof *c);
            uint32_t line = t->first_line + i;
            c->t = t, c->index = i, c->next = covers[line];
            covers[line] = c;
        }
    }
    t->next = blocks;
    blocks = t;
    qemu_plugin_register_vcpu_tb_exec_cb(tb, t->marks || data_on ? tb_exec_full : tb_exec, QEMU_PLUGIN_CB_NO_REGS, t);
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    (void)id;
    (void)p;
    write_out();
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    /* The API this plugin is written against must lie in the range QEMU supports. */
    if (info && (info->version.min > WASMCU_QEMU_PLUGIN_VERSION || info->version.cur < WASMCU_QEMU_PLUGIN_VERSION)) {
        fprintf(stderr, "wasmcu plugin: written for QEMU plugin API version %d, but this QEMU supports versions "
                "%d to %d: rebuild the plugin for it or use QEMU 7.2\n", WASMCU_QEMU_PLUGIN_VERSION,
                info->version.min, info->version.cur);
        return -1;
    }
    if (info && info->version.cur != WASMCU_QEMU_PLUGIN_VERSION)
        fprintf(stderr, "wasmcu plugin: note: QEMU offers plugin API version %d, this plugin uses version %d\n",
                info->version.cur, WASMCU_QEMU_PLUGIN_VERSION);
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "wasmcu plugin: argument '%s' is not name=value\n", argv[i]);
            return -1;
        }
        *eq = 0;
        const char *k = argv[i], *v = eq + 1;
        if (!strcmp(k, "isa"))
            isa_thumb = strcmp(v, "rv32") != 0;
        else if (!strncmp(k, "begin", 5) && (k[5] == '0' || k[5] == '1') && !k[6])
            begin_addr[k[5] - '0'] = strtoull(v, NULL, 0);
        else if (!strncmp(k, "end", 3) && (k[3] == '0' || k[3] == '1') && !k[4])
            end_addr[k[3] - '0'] = strtoull(v, NULL, 0);
        else if (!strcmp(k, "out"))
            out_path = strdup(v);
        else if (!strcmp(k, "limit")) {
            limit = strtoull(v, NULL, 0);
            limit_at = limit ? limit : UINT64_MAX;
        }
        else if (!strcmp(k, "cache")) {
            unsigned long long base, size, bytes, ways, line;
            if (sscanf(v, "%lli:%lli:%lli:%lli:%lli", &base, &size, &bytes, &ways, &line) != 5 || !ways || !line ||
                ways > 255 || bytes % (ways * line)) {
                fprintf(stderr, "wasmcu plugin: cache=%s is not BASE:SIZE:BYTES:WAYS:LINE\n", v);
                return -1;
            }
            cache_base = base, cache_size = size, line_bytes = (uint32_t)line, nways = (uint32_t)ways;
            nsets = (uint32_t)(bytes / (ways * line));
            set_mask = (nsets & (nsets - 1)) == 0 ? nsets - 1 : 0;
            tags = calloc((size_t)nsets * nways, sizeof *tags);
            way_time = calloc((size_t)nsets * nways, sizeof *way_time);
            covers = calloc((size_t)((size + line - 1) / line), sizeof *covers);
        } else if (!strcmp(k, "ram")) {
            unsigned long long base, size;
            if (sscanf(v, "%lli:%lli", &base, &size) != 2) {
                fprintf(stderr, "wasmcu plugin: ram=%s is not BASE:SIZE\n", v);
                return -1;
            }
            ram_base = base, ram_size = size;
        } else if (!strcmp(k, "data"))
            data_on = atoi(v);
        else {
            fprintf(stderr, "wasmcu plugin: unknown argument '%s'\n", k);
            return -1;
        }
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
