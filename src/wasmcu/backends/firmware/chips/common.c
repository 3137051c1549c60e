/*
 * What every real chip's firmware needs from the C library's process interface: abort()
 * (a failed assertion in a runtime) raises SIGABRT, and there are no processes here, so the
 * signal is reported through the line protocol and ends the program like _exit (which
 * each chip layer provides: it stops the core in its own way).
 */
#include <stdio.h>
#include <stdlib.h>

int getpid(void)
{
    return 1;
}

int kill(int pid, int sig)
{
    (void)pid;
    printf("@wasmcu error=\"abort: signal %d\"\n@wasmcu end=1\n", sig);
    _exit(128 + sig);
}
