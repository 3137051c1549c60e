// The C++ language support a kernel needs on a board, linked before the toolchain's C++
// library (if it has one: Debian's riscv64-unknown-elf with picolibc has none): new and
// delete over the C library's malloc, failing with abort() rather than an exception, and
// the handler of a pure virtual call. Exceptions and RTTI are off, so no unwinder is linked.
#include <stddef.h>
#include <stdlib.h>

void *operator new(size_t n) { void *p = malloc(n ? n : 1); if (!p) abort(); return p; }
void *operator new[](size_t n) { return operator new(n); }
void operator delete(void *p) noexcept { free(p); }
void operator delete[](void *p) noexcept { free(p); }
void operator delete(void *p, size_t) noexcept { free(p); }
void operator delete[](void *p, size_t) noexcept { free(p); }
extern "C" void __cxa_pure_virtual() { abort(); }
