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

// Without exceptions, the C++ library's checks (a vector grown past max_size(), at() out
// of range) end the program: these replace libstdc++'s functexcept.o, whose throwing
// versions would link the unwinder.
namespace std {
[[noreturn]] void __throw_bad_exception() { abort(); }
[[noreturn]] void __throw_bad_alloc() { abort(); }
[[noreturn]] void __throw_bad_array_new_length() { abort(); }
[[noreturn]] void __throw_bad_cast() { abort(); }
[[noreturn]] void __throw_bad_typeid() { abort(); }
[[noreturn]] void __throw_logic_error(const char *) { abort(); }
[[noreturn]] void __throw_domain_error(const char *) { abort(); }
[[noreturn]] void __throw_invalid_argument(const char *) { abort(); }
[[noreturn]] void __throw_length_error(const char *) { abort(); }
[[noreturn]] void __throw_out_of_range(const char *) { abort(); }
[[noreturn]] void __throw_out_of_range_fmt(const char *, ...) { abort(); }
[[noreturn]] void __throw_runtime_error(const char *) { abort(); }
[[noreturn]] void __throw_range_error(const char *) { abort(); }
[[noreturn]] void __throw_overflow_error(const char *) { abort(); }
[[noreturn]] void __throw_underflow_error(const char *) { abort(); }
}  // namespace std
