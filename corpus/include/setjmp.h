/* <setjmp.h> for dylab: the 2022 wasi-libc has none, because WebAssembly without the exception-handling
 * proposal (which wasmi lacks) cannot leave a call except by returning or trapping. This one lets a
 * program whose longjmp only leaves on an error build and run (Lua raises errors with it): setjmp
 * returns 0, its direct return, and longjmp traps (`unreachable`) where native code would jump back.
 * A program that longjmps in normal operation (Lua's coroutine.yield from C, a pcall that catches an
 * error) ends there with a trap; its native build would go on. */
#ifndef DYLAB_SETJMP_H
#define DYLAB_SETJMP_H

typedef struct {
  int unused;
} jmp_buf[1];

#define setjmp(env) ((void)(env), 0)
#define _setjmp(env) setjmp(env)

__attribute__((noreturn)) static inline void longjmp(jmp_buf env, int value) {
  (void)env;
  (void)value;
  __builtin_trap();
}

__attribute__((noreturn)) static inline void _longjmp(jmp_buf env, int value) {
  longjmp(env, value);
}

#endif
