// portbench in C++: the same checksum with a class owning its storage (new[]/delete[]),
// a sort and a binary search as templates, and a constexpr multiplier table.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

namespace {

constexpr uint32_t power(uint32_t base, int e) { return e == 0 ? 1u : base * power(base, e - 1); }
constexpr uint32_t kMul[2] = {power(31, 1), power(33, 1)};

template <typename T> void insertion_sort(T *a, int n)
{
    for (int i = 1; i < n; i++) {
        T v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) { a[j + 1] = a[j]; j--; }
        a[j + 1] = v;
    }
}

template <typename T> bool contains(const T *a, int n, T key)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (a[mid] == key) return true;
        if (a[mid] < key) lo = mid + 1; else hi = mid - 1;
    }
    return false;
}

class Table {
public:
    Table(int n, uint32_t seed) : n_(n), data_(new uint32_t[n])
    {
        for (int i = 0; i < n; i++) {
            seed = seed * 1664525u + 1013904223u;
            data_[i] = (seed >> 8) * 3u;
        }
        insertion_sort(data_, n_);
    }
    ~Table() { delete[] data_; }
    Table(const Table &) = delete;
    Table &operator=(const Table &) = delete;

    uint32_t fold() const
    {
        uint32_t h = 0;
        for (int i = 0; i < n_; i++) h = h * kMul[0] + data_[i];
        return h;
    }
    int lookups() const
    {
        int found = 0;
        for (int i = 0; i < n_; i += 3) found += contains(data_, n_, data_[i]) + contains(data_, n_, data_[i] + 1);
        return found;
    }
    uint32_t text_digest() const
    {
        char text[32];
        int len = snprintf(text, sizeof text, "%lu..%lu", (unsigned long)data_[0], (unsigned long)data_[n_ - 1]);
        uint32_t h = (uint32_t)len;
        for (size_t i = 0; i < strlen(text); i++) h = h * kMul[1] + (unsigned char)text[i];
        return h;
    }

private:
    int n_;
    uint32_t *data_;
};

}  // namespace

extern "C" uint32_t pb_main(uint32_t seed)  // the workload's entry, as in the C project
{
    Table *t = new Table(WASMCU_N, seed);
    uint32_t h = t->fold();
    h ^= (uint32_t)t->lookups() << 16;
    h += t->text_digest();
    delete t;
    return h;
}
