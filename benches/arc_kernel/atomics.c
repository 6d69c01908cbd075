// What the pieces of benches/arc's operation cost on this machine: an uncontended locked
// read-modify-write, two and three of them back to back, glibc's malloc(72) + free, and both
// together. The best of 7 trials of 2 * 10^7 operations each, in ns per operation.
//
//   gcc -O2 -o /tmp/atomics benches/arc_kernel/atomics.c && /tmp/atomics
//
// The README's PoolArc section quotes it: PoolArc's operation needs two of these instructions.
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <time.h>
#define N 20000000L
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec*1e9+t.tv_nsec;}
#define BAR asm volatile("" ::: "memory")
static volatile long sink;
typedef struct { long count; long body[8]; } Inner;
__attribute__((noinline)) void empty(long n){ for(long i=0;i<n;i++){BAR;} }
__attribute__((noinline)) void rmw1(long n, long *c){ for(long i=0;i<n;i++){ __atomic_fetch_add(c,1,__ATOMIC_RELAXED); BAR;} }
__attribute__((noinline)) void rmw2(long n, long *c){ for(long i=0;i<n;i++){ __atomic_fetch_add(c,1,__ATOMIC_RELAXED); BAR; if(__atomic_fetch_sub(c,1,__ATOMIC_RELEASE)==1) sink=1; BAR;} }
__attribute__((noinline)) void rmw3(long n, long *c){ for(long i=0;i<n;i++){ *c=1; BAR; __atomic_fetch_add(c,1,__ATOMIC_RELAXED); BAR; if(__atomic_fetch_sub(c,1,__ATOMIC_RELEASE)==1) sink=1; BAR; if(__atomic_fetch_sub(c,1,__ATOMIC_RELEASE)==1) sink=2; BAR;} }
__attribute__((noinline)) void mallocfree(long n){ for(long i=0;i<n;i++){ Inner *p=malloc(sizeof(Inner)); p->count=i; BAR; free(p); BAR;} }
__attribute__((noinline)) void triomphe(long n){ for(long i=0;i<n;i++){ Inner *p=malloc(sizeof(Inner)); p->count=1; p->body[0]=i; BAR; __atomic_fetch_add(&p->count,1,__ATOMIC_RELAXED); BAR; if(__atomic_fetch_sub(&p->count,1,__ATOMIC_RELEASE)!=1) {BAR;} if(__atomic_fetch_sub(&p->count,1,__ATOMIC_RELEASE)==1){ (void)__atomic_load_n(&p->count,__ATOMIC_ACQUIRE); free(p);} BAR;} }
int main(void){
  long c=0; const char *names[]={"empty loop","1 lock RMW","2 lock RMW (inc+dec)","3 lock RMW + store","malloc(72)+free","malloc+free+3 RMW (triomphe-like)"};
  for(int k=0;k<6;k++){ double best=1e30; for(int t=0;t<7;t++){ double a=now();
    switch(k){case 0:empty(N);break;case 1:rmw1(N,&c);break;case 2:rmw2(N,&c);break;case 3:rmw3(N,&c);break;case 4:mallocfree(N);break;case 5:triomphe(N);break;}
    double d=(now()-a)/N; if(d<best)best=d;}
    printf("%-36s %6.2f ns/op\n",names[k],best);}
}
