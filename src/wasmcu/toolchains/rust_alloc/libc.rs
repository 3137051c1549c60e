// wasmcu's global allocator for Rust kernels built natively (host and boards): the C
// library's heap (the system libc on the host, picolibc's over the firmware's heap on a
// board), so that the firmware's heap high-water mark counts what the kernel allocates.

use core::alloc::{GlobalAlloc, Layout};

extern "C" {
    fn malloc(size: usize) -> *mut u8;
    fn realloc(ptr: *mut u8, size: usize) -> *mut u8;
    fn free(ptr: *mut u8);
    fn memalign(align: usize, size: usize) -> *mut u8;
}

// what malloc guarantees on every target wasmcu builds for
const MALLOC_ALIGN: usize = 8;

pub struct Heap;

unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            malloc(layout.size())
        } else {
            memalign(layout.align(), layout.size())
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        free(ptr)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= MALLOC_ALIGN {
            return realloc(ptr, new_size);
        }
        let new = memalign(layout.align(), new_size);
        if !new.is_null() {
            core::ptr::copy_nonoverlapping(ptr, new, core::cmp::min(layout.size(), new_size));
            free(ptr);
        }
        new
    }
}
