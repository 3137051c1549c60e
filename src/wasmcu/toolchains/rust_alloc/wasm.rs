// wasmcu's global allocator for Rust kernels built for wasm32: a first-fit free list over
// the module's linear memory, from `__heap_base` (after the shadow stack and the static
// data) to the end of memory, growing memory with `memory.grow` while the module's maximum
// allows. Freed blocks are kept in address order and merged with their neighbours; a freed
// block at the top of the heap goes back to it. Single-threaded, like every kernel.
//
// Block layout: [size | free-list link] [padding] [block address] [payload ...]; the word
// just before a payload holds its block's address, so that any alignment is honoured.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::null_mut;

const W: usize = core::mem::size_of::<usize>();
const HEADER: usize = 2 * W;
const PAGE: usize = 65536;

extern "C" {
    static __heap_base: u8;
}

#[repr(C)]
struct Free {
    size: usize,
    next: *mut Free,
}

static mut FREE: *mut Free = null_mut();
static mut TOP: usize = 0; // end of the part of the heap handed out so far
static mut END: usize = 0; // end of linear memory

pub struct Heap;

const fn round_up(x: usize, a: usize) -> usize {
    (x + a - 1) & !(a - 1)
}

unsafe fn take(need: usize) -> usize {
    // first fit in the free list
    let mut link: *mut *mut Free = core::ptr::addr_of_mut!(FREE);
    while !(*link).is_null() {
        let block = *link;
        let size = (*block).size;
        if size >= need {
            if size - need >= HEADER + W {
                let rest = (block as usize + need) as *mut Free;
                (*rest).size = size - need;
                (*rest).next = (*block).next;
                *link = rest;
                (*block).size = need;
            } else {
                *link = (*block).next;
            }
            return block as usize;
        }
        link = core::ptr::addr_of_mut!((*block).next);
    }
    // then from the top of the heap, growing memory when it must
    if TOP == 0 {
        TOP = round_up(core::ptr::addr_of!(__heap_base) as usize, HEADER);
        END = core::arch::wasm32::memory_size(0) * PAGE;
    }
    if need > END - TOP {
        let pages = (need - (END - TOP) + PAGE - 1) / PAGE;
        if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
            return 0;
        }
        END += pages * PAGE;
    }
    let block = TOP;
    TOP += need;
    *(block as *mut usize) = need;
    block
}

unsafe fn give_back(block: usize) {
    let mut size = *(block as *const usize);
    let mut prev: *mut Free = null_mut();
    let mut next = FREE;
    while !next.is_null() && (next as usize) < block {
        prev = next;
        next = (*next).next;
    }
    if !next.is_null() && block + size == next as usize {
        size += (*next).size;
        next = (*next).next;
    }
    if !prev.is_null() && prev as usize + (*prev).size == block {
        (*prev).size += size;
        (*prev).next = next;
        if prev as usize + (*prev).size == TOP {
            TOP = prev as usize;
            unlink(prev);
        }
        return;
    }
    if block + size == TOP {
        TOP = block;
        if prev.is_null() { FREE = next; } else { (*prev).next = next; }
        return;
    }
    let node = block as *mut Free;
    (*node).size = size;
    (*node).next = next;
    if prev.is_null() { FREE = node; } else { (*prev).next = node; }
}

unsafe fn unlink(node: *mut Free) {
    let mut link: *mut *mut Free = core::ptr::addr_of_mut!(FREE);
    while !(*link).is_null() {
        if *link == node {
            *link = (*node).next;
            return;
        }
        link = core::ptr::addr_of_mut!((**link).next);
    }
}

unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let align = if layout.align() > HEADER { layout.align() } else { HEADER };
        // blocks start HEADER-aligned, so the payload is at most `align` bytes into its block
        let size = match layout.size().checked_add(align) {
            Some(s) if s < usize::MAX - HEADER => round_up(s, HEADER),
            _ => return null_mut(),
        };
        let block = take(size);
        if block == 0 {
            return null_mut();
        }
        let payload = round_up(block + HEADER, align);
        *((payload - W) as *mut usize) = block;
        payload as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        give_back(*((ptr as usize - W) as *const usize));
    }
}
