/* SPDX-License-Identifier: MIT */
/* sanitizer.h - hook points around every context switch. */
/*
 * ST_SAN_SWITCH_BEGIN(from, to) runs in the old thread just before the
 * machine switch; ST_SAN_SWITCH_END(me) runs in the resumed thread just
 * after it.  ST_SAN_STACK_NEW/FREE bracket a stack's life.  They are
 * where AddressSanitizer / ThreadSanitizer fiber annotations and valgrind
 * stack registration go; without those tools they compile to nothing.
 */
#ifndef ST_SANITIZER_H
#define ST_SANITIZER_H

#define ST_SAN_SWITCH_BEGIN(from, to)   ((void)(from), (void)(to))
#define ST_SAN_SWITCH_END(me)           ((void)(me))
#define ST_SAN_STACK_NEW(s)             ((void)(s))
#define ST_SAN_STACK_FREE(s)            ((void)(s))

#endif /* ST_SANITIZER_H */
