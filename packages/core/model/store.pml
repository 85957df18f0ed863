/*
 * store.pml: a SPIN model of the generation store protocol, written from the code in
 * packages/core/src (layout.ts I1-I8, store.ts, reader.ts). README.md beside this file says
 * what each process and ghost variable stands for; check.mjs runs it and its mutants.
 *
 * Granularity: each access to a shared word (an Atomics call, or a plain read or write of
 * slot words) is one step, and other threads may run between any two steps. Work private to
 * a thread shares an atomic block with the shared access next to it, which changes nothing
 * another thread can observe and keeps the state space small.
 *
 * Each assert is followed, on its line, by a comment naming what it checks: check.mjs quotes
 * that comment when it reports a counter-example.
 */

/* ---------------------------------------------------------------- configuration (-D) */
#ifndef ROWS
#define ROWS 2              /* maxReaders: pin rows */
#endif
#ifndef READERS
#define READERS 2           /* reader threads started with the pool */
#endif
#ifndef PUBLISHES
#define PUBLISHES 3         /* publish() calls after the first generation */
#endif
#ifndef CYCLES
#define CYCLES 2            /* acquire/release rounds per reader thread */
#endif
#ifndef DEATHS
#define DEATHS 0            /* 1: thread 0 may die after any shared write */
#endif
#ifndef REPLACEMENT
#define REPLACEMENT 0       /* 1: a replacement thread starts once thread 0 has died */
#endif
#ifndef DEADLINE_ANYTIME
#define DEADLINE_ANYTIME 0  /* 1: a waiting publish's deadline may pass after any failed scan */
#endif
#ifndef CLOSE
#define CLOSE 1             /* 1: the primary may call close() once, at any moment */
#endif

#define SLOTS 3             /* MIN_SLOTS */
#define NONE 255            /* NO_SLOT, and "no thread" */
#define THREADS (READERS + REPLACEMENT)  /* thread READERS is the replacement */
#define SIZE(g) (1 + (g) % 2)       /* generation g's byte length: slots have to grow (I8) */
#define PIN(r, s) pin[(r) * SLOTS + (s)]

/* ---------------------------------------------------------------- mutants (-DMUTANT_X) */
#ifdef MUTANT_NO_RECHECK
#define RECHECK slot        /* acquire trusts its first load: no re-check after the pin */
#else
#define RECHECK current
#endif
#ifdef MUTANT_NO_PIN_SCAN
#define PIN_LOAD(r, s) 0    /* the reclaim scan does not look at the pins */
#else
#define PIN_LOAD(r, s) PIN(r, s)
#endif
#ifdef MUTANT_CACHE_BY_SLOT
#define CACHE_HIT (cache[slot] != 0)   /* the decoded-value cache ignores the generation */
#else
#define CACHE_HIT (cache[slot] == g)
#endif

/* ---------------------------------------------------------------- shared memory */
byte current = 0;           /* CURRENT_SLOT */
bool sigMoved;              /* RETIRE_SIGNAL differs from the `seen` the drain loop loaded last */
bool waiting;               /* the drain's Atomics.waitAsync is registered and not yet notified */
byte owner[ROWS];           /* row r OWNER: thread + 1, 0 = free */
byte pin[ROWS * SLOTS];     /* row r PIN[s] */
byte bytesOf[SLOTS];        /* which generation's bytes (and checksum) slot s's buffer holds */
byte lengthOf[SLOTS];       /* slot s LENGTH */
byte capacity[SLOTS];       /* slot s buffer byteLength */
byte genHi[SLOTS];          /* slot s GEN_HI: the model stores g in both halves */
byte genLo[SLOTS];          /* slot s GEN_LO */

/* ---------------------------------------------------------------- ghosts (observe, never steer) */
bool writing[SLOTS];        /* the primary is between its first and its last write of slot s */
byte using[THREADS];        /* slot + 1 that thread t uses under a lease (after its re-check) */
byte deadThread = NONE;     /* the thread that died, once it has (piscina's 'exit' event) */
bool dead[THREADS];

/* ================================================================ primary (store.ts) */

/* findFreeSlot(): not current, column sum zero (I3); never-used or oldest first. One step per
 * Atomics.load of a pin; skipping a slot by generation touches nothing shared. */
inline findFreeSlot() {
  /* best, s, r and sum are NONE, 0, 0, 0 here */
  do
  :: s == SLOTS -> s = 0; break
  :: else ->
     atomic {
       if
       :: s == myCurrent || (best != NONE && slotGen[s] >= slotGen[best]) -> s++
       :: else ->
          sum = sum + PIN_LOAD(r, s);      /* I3: SC load after the slot was retired */
#ifdef MUTANT_NO_PIN_SCAN
          printf("@@ primary: does not load row %d PIN[%d] (it is %d)\n", r, s, PIN(r, s));
#else
          printf("@@ primary: loads row %d PIN[%d] = %d\n", r, s, PIN(r, s));
#endif
          r++;
          if
          :: r == ROWS ->
             if
             :: sum == 0 -> best = s
             :: else
             fi;
             s++;
             r = 0;
             sum = 0
          :: else
          fi
       fi
     }
  od
}

/* writeAndPublish(slot): grow, copy bytes, plain metadata stores, then the publishing store. */
inline writeAndPublish(ws) {
#ifdef MUTANT_PUBLISH_BEFORE_WRITE
  atomic { current = ws; myCurrent = ws; printf("@@ primary: stores CURRENT_SLOT = %d before writing the slot\n", ws) }
#endif
  d_step {
    w = ws;
    best = NONE;
    lastGen++;
    t = 0;
    do
    :: t == THREADS -> break
    :: else -> assert(using[t] != w + 1); t++ /* I3: the primary never rewrites a slot a lease uses */
    od;
    t = 0;
    writing[w] = true;
    if
    :: capacity[w] < SIZE(lastGen) -> capacity[w] = SIZE(lastGen)   /* I8: grows while free */
    :: else
    fi;
    bytesOf[w] = lastGen;
    lengthOf[w] = SIZE(lastGen);
    genHi[w] = lastGen;
    printf("@@ primary: writes generation %d into slot %d: bytes, length, checksum, GEN_HI\n", lastGen, w)
  }
  atomic {
    genLo[w] = lastGen;
    writing[w] = false;
    slotGen[w] = lastGen;
    printf("@@ primary: writes GEN_LO of slot %d\n", w)
  }
#ifndef MUTANT_PUBLISH_BEFORE_WRITE
  atomic { current = w; myCurrent = w; printf("@@ primary: stores CURRENT_SLOT = %d, generation %d is published\n", w, lastGen) } /* I1 */
#endif
  w = 0
}

/* wakeDrain(): Atomics.add then Atomics.notify on RETIRE_SIGNAL (I6). */
inline wakeDrain() {
  atomic { sigMoved = true; printf("@@ primary: bumps RETIRE_SIGNAL\n") }
  atomic { waiting = false; printf("@@ primary: notifies RETIRE_SIGNAL\n") }
}

proctype Primary() {
  /* private to the primary thread: fields of GenerationStore and locals of its methods */
  byte slotGen[SLOTS];      /* slotGeneration[] */
  byte lastGen = 1;
  byte myCurrent = 0;       /* what this thread last stored in CURRENT_SLOT (it is the only writer) */
  byte publishesLeft = PUBLISHES;
  bool pending;             /* a publish waits for a free slot */
  bool draining;            /* drain() is running (possibly suspended in its await) */
  bool awaiting;            /* drain() is suspended in `await wait.value` */
  bool timedOut;            /* the pending publish's wait ended at its deadline */
  bool closed;
  bool closeAllowed;        /* chosen once: whether this run calls close() at all */
  bool releasedDead;        /* releaseReader ran for deadThread */
  byte best = NONE, w, s, r, sum, t, released;
  bool freed, superseded;

  slotGen[0] = 1;
#if CLOSE
  if
  :: closeAllowed = true
  :: closeAllowed = false
  fi;
#endif

  /* The event loop of the primary thread: each branch is one macrotask. */
end_idle:
  do
  :: publishesLeft > 0 ->
     d_step { publishesLeft--; if :: closed -> printf("@@ primary: publish rejected, GENSWAP_STORE_CLOSED\n") :: else -> printf("@@ primary: publish called\n") fi }
     goto publish
  :: closeAllowed && !closed -> goto close
  :: deadThread != NONE && !releasedDead -> goto release_reader
  :: awaiting && !waiting ->
     atomic { awaiting = false; printf("@@ primary: the waiting publish wakes up (notified)\n") }
     goto drain
  :: awaiting && timeout ->
     /* Nothing else can happen before the deadline. If a slot is free now, the publish sleeps
      * until its deadline although it could proceed: a wakeup was lost. */
     d_step {
       do
       :: s == SLOTS -> break
       :: else ->
          if
          :: s != myCurrent ->
             sum = 0;
             r = 0;
             do
             :: r == ROWS -> break
             :: else -> sum = sum + PIN(r, s); r++
             od;
             if
             :: sum == 0 -> printf("@@ primary: nothing else can happen before the deadline, and slot %d is free\n", s)
             :: else
             fi;
             assert(sum != 0) /* LIVENESS: no publish stays pending while a slot is free */
          :: else
          fi;
          s++
       od;
       s = 0; r = 0; sum = 0
     }
     atomic { awaiting = false; waiting = false; timedOut = true; printf("@@ primary: the waiting publish wakes up at its deadline\n") }
     goto drain
  od;

publish:
  /* publish() / publishEncoded() */
  if
  :: closed -> goto end_idle
  :: !closed && pending
  :: !closed && !pending ->
     findFreeSlot();
     if
     :: best != NONE -> writeAndPublish(best); goto end_idle
     :: else
     fi
  fi;
  d_step {
    superseded = pending;
    pending = true;
    timedOut = false;
    printf("@@ primary: a publish waits for a free slot\n")
  }
  if
  :: superseded ->
     superseded = false;
     printf("@@ primary: the older waiting publish is rejected, GENSWAP_PUBLISH_SUPERSEDED\n");
     wakeDrain()
  :: else
  fi;
  if
  :: !draining -> draining = true; goto drain
  :: else -> goto end_idle
  fi;

close:
  atomic {
    closed = true;
    if
    :: pending -> pending = false; printf("@@ primary: close() rejects the waiting publish, GENSWAP_STORE_CLOSED\n")
    :: else -> printf("@@ primary: close()\n")
    fi
  }
  wakeDrain();
  goto end_idle;

release_reader:
  /* releaseReader(threadId of deadThread) */
  atomic { releasedDead = true; released = 0; freed = false; r = 0; printf("@@ primary: releaseReader(thread %d)\n", deadThread) }
  do
  :: r == ROWS -> break
  :: else ->
     if
     :: owner[r] == deadThread + 1 ->      /* I5: Atomics.load(OWNER) */
#ifdef MUTANT_ROW_FREED_EARLY
        atomic { owner[r] = 0; printf("@@ primary: frees row %d before zeroing its pins\n", r) }
#endif
        s = 0;
        do
        :: s == SLOTS -> break
        :: else ->
           atomic {
             assert(owner[r] == 0 || dead[owner[r] - 1]); /* I4: the primary writes a row only after its thread died */
             released = released + PIN(r, s);
             PIN(r, s) = 0;
             printf("@@ primary: zeroes row %d PIN[%d] (Atomics.exchange)\n", r, s);
             s++
           }
        od;
        s = 0;
#ifndef MUTANT_ROW_FREED_EARLY
        atomic { owner[r] = 0; printf("@@ primary: frees row %d\n", r) }   /* I5: its pins are zero */
#endif
        freed = true
     :: else
     fi;
     r++
  od;
  r = 0;
#ifdef MUTANT_LOST_WAKEUP
  if
  :: released > 0 -> wakeDrain()       /* releaseReader before issue 16 */
  :: else -> printf("@@ primary: released 0 pins, so it does not wake a waiting publish\n")
  fi;
#else
  if
  :: freed -> wakeDrain()              /* I6: whenever it freed a row */
  :: else
  fi;
#endif
  released = 0;
  freed = false;
  goto end_idle;

drain:
  /* drain(): runs until its next await; then control returns to the event loop. */
  do
  :: !pending -> draining = false; break
  :: else ->
#ifndef MUTANT_SIGNAL_AFTER_SCAN
     atomic { sigMoved = false; printf("@@ primary: loads RETIRE_SIGNAL (seen)\n") }  /* I6: before the scan */
#endif
     findFreeSlot();
#ifdef MUTANT_SIGNAL_AFTER_SCAN
     atomic { sigMoved = false; printf("@@ primary: loads RETIRE_SIGNAL (seen) after the scan\n") }
#endif
     if
     :: best != NONE -> pending = false; writeAndPublish(best)
     :: else ->
        if
        :: timedOut ->
           d_step { pending = false; timedOut = false; printf("@@ primary: the publish is rejected, GENSWAP_NO_FREE_SLOT\n") }
#if DEADLINE_ANYTIME
        :: !timedOut ->
           d_step { pending = false; printf("@@ primary: its deadline has passed, the publish is rejected, GENSWAP_NO_FREE_SLOT\n") }
#endif
        :: !timedOut ->
           atomic {                        /* I6: Atomics.waitAsync(RETIRE_SIGNAL, seen) */
             if
             :: sigMoved -> printf("@@ primary: RETIRE_SIGNAL moved since it was seen: scans again\n")
             :: else -> waiting = true; awaiting = true; printf("@@ primary: waits on RETIRE_SIGNAL\n")
             fi
           }
           if
           :: awaiting -> goto end_idle
           :: else
           fi
        fi
     fi
  od;
  goto end_idle
}

/* ================================================================ readers (reader.ts) */

/* Thread 0 may be terminated right after any shared write (piscina terminates a worker whose
 * running task is aborted). Its pins stay behind; the primary sees the exit and calls
 * releaseReader. Dying is folded into the step of the write it follows: what the thread does
 * between that write and the next one is private. */
#if DEATHS
#define MAY_DIE \
  if \
  :: mayDie -> \
     mayDie = false; dead[me] = true; using[me] = 0; deadThread = me; \
     printf("@@ thread %d: is terminated\n", me); \
     goto done \
  :: true \
  fi
#else
#define MAY_DIE skip
#endif

/* The rest of unpin(slot) after its Atomics.sub: bump and notify if the slot is retired (I6). */
inline signalIfRetired() {
  if
  :: current != slot ->
     atomic { sigMoved = true; printf("@@ thread %d: slot %d is not current, bumps RETIRE_SIGNAL\n", me, slot); MAY_DIE }
     atomic { waiting = false; printf("@@ thread %d: notifies RETIRE_SIGNAL\n", me); MAY_DIE }
  :: else
  fi
}

proctype Reader(byte me) {
  byte row, slot, again, g, hi, value, newest, round, s;
  byte cache[SLOTS];        /* cachedGeneration[] and cachedValue[]: the generation decoded there */
  bool claimed;
  bool mayDie = (me == 0 && DEATHS);

  if
  :: me == READERS ->
end_spawn:
     deadThread != NONE;    /* piscina starts a replacement once a worker has exited */
     printf("@@ thread %d: starts as the replacement\n", me)
  :: else
  fi;

  /* attach: claim the first free row with compareExchange(OWNER, 0, me + 1) (I5) */
  do
  :: row == ROWS -> printf("@@ thread %d: no free row, GENSWAP_TOO_MANY_READERS\n", me); goto done
  :: else ->
     atomic {
       if
       :: owner[row] == 0 ->
          owner[row] = me + 1;
          claimed = true;
          do
          :: s == SLOTS -> break
          :: else -> assert(PIN(row, s) == 0); s++ /* I5: a row is claimed with all its pins zero */
          od;
          s = 0;
          printf("@@ thread %d: claims row %d\n", me, row);
          MAY_DIE
       :: else -> row++
       fi
     }
     if
     :: claimed -> claimed = false; break
     :: else
     fi
  od;

  do
  :: round == CYCLES -> break
  :: else ->
     /* acquire() */
     atomic { slot = current; printf("@@ thread %d: loads CURRENT_SLOT = %d\n", me, slot) }  /* I1 */
     do
     :: atomic {
          assert(owner[row] == me + 1); /* I4: a reader writes only the row it owns */
          PIN(row, slot)++;                                                   /* I2: pin before use */
          printf("@@ thread %d: pins slot %d (row %d)\n", me, slot, row);
          MAY_DIE
        }
        atomic {
          again = RECHECK;                                                    /* I2: re-check after the pin */
          if
          :: again == slot -> using[me] = slot + 1
          :: else
          fi;
          printf("@@ thread %d: re-checks CURRENT_SLOT = %d\n", me, again)
        }
        if
        :: again == slot -> again = 0; break
        :: else ->
           /* unpin(slot, false): a transient pin on a retired slot */
           atomic {
             assert(PIN(row, slot) > 0); /* I4: nobody else changed this row's pins */
             PIN(row, slot)--;
             printf("@@ thread %d: undoes its pin on slot %d\n", me, slot);
             MAY_DIE
           }
           signalIfRetired();
           slot = again;
           again = 0
        fi
     od;
     /* readGeneration(): two plain loads under the pin (I7) */
     atomic {
       assert(!writing[slot]); /* I3: a slot in use by a lease is not being rewritten */
       hi = genHi[slot];
       g = genLo[slot];
       assert(hi == g); /* I7: the two halves of a generation agree */
       hi = 0
     }
     assert(g >= newest); /* I7: the generations a thread acquires only move forward */
     if
     :: CACHE_HIT ->
        atomic { value = cache[slot]; printf("@@ thread %d: generation %d in slot %d, uses its cached value of generation %d\n", me, g, slot, value) }
     :: else ->
        /* decodeSlot(): LENGTH, CHECKSUM and the bytes, plain reads under the pin */
        atomic {
          assert(!writing[slot] && lengthOf[slot] <= capacity[slot]); /* I3, I8: a leased slot is complete and fits its buffer */
          value = bytesOf[slot];
          printf("@@ thread %d: generation %d in slot %d, decodes the bytes of generation %d\n", me, g, slot, value)
        }
        d_step {
          assert(value == g); /* I1: the bytes decoded are those of the generation pinned (checksum) */
          if
          :: g > newest ->
             /* drop cached values of older generations */
             newest = g;
             do
             :: s == SLOTS -> break
             :: else ->
                if
                :: cache[s] < g -> cache[s] = 0
                :: else
                fi;
                s++
             od;
             s = 0
          :: else
          fi;
          cache[slot] = value
        }
     fi;
     assert(value == g); /* I2, I7: a lease's value is its generation's (no stale cached value after ABA) */
     g = 0;
     if
     :: round == CYCLES - 1 ->
        printf("@@ thread %d: keeps its lease on slot %d past the end of the model (a long task)\n", me, slot);
        goto done
     :: true
     fi;
     /* Lease.release() -> unpin(slot, true) */
     atomic {
       assert(!writing[slot] && bytesOf[slot] == value); /* I3: a value stays valid until its lease is released */
       using[me] = 0;
       value = 0;
       assert(PIN(row, slot) > 0); /* I4: nobody else changed this row's pins */
       PIN(row, slot)--;
       printf("@@ thread %d: releases its lease, unpins slot %d\n", me, slot);
       MAY_DIE
     }
     signalIfRetired();
     round++
  od;
done:
  skip
}

init {
  byte t;
  atomic {
    /* The first publish, before any reader runs: generation 1 in slot 0. */
    do
    :: t == SLOTS -> break
    :: else -> capacity[t] = 1; t++
    od;
    capacity[0] = SIZE(1); bytesOf[0] = 1; lengthOf[0] = SIZE(1); genHi[0] = 1; genLo[0] = 1;
    run Primary();
    t = 0;
    do
    :: t == THREADS -> break
    :: else -> run Reader(t); t++
    od
  }
}
