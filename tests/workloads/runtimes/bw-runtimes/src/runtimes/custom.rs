//! A hand-written executor, the kind an in-house runtime is: a few threads named
//! "exec-N" take tasks from one queue and, with nothing to do, wait on a `Condvar` in
//! `Queue::wait_for_work` (never inlined: blockwatch is told `--park-symbol` it).
//! Timers and blocking work run on a few plain threads ("helper") fed by a channel, so an
//! executor thread never spawns one (thread creation can block for milliseconds).

use super::{Runtime, Task, Work, WORKERS};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::JoinHandle;
use std::time::Duration;

struct Queue {
    state: Mutex<State>,
    ready: Condvar,
    /// Signalled when a task completes (run_all waits on it).
    done: Condvar,
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Work for the helper threads; None tells one to exit. Shared without a lock, so
    /// handing work over never waits.
    helpers: OnceLock<Sender<Option<(Work, Arc<Signal>)>>>,
}

struct State {
    runnable: VecDeque<Arc<TaskCell>>,
    unfinished: usize,
    stopping: bool,
}

struct TaskCell {
    future: Mutex<Option<Task>>,
    queue: &'static Queue,
}

impl Wake for TaskCell {
    fn wake(self: Arc<Self>) {
        let q = self.queue;
        q.state.lock().unwrap().runnable.push_back(self);
        q.ready.notify_one();
    }
}

pub fn start() -> &'static dyn Runtime {
    let q: &'static Queue = Box::leak(Box::new(Queue {
        state: Mutex::new(State { runnable: VecDeque::new(), unfinished: 0, stopping: false }),
        ready: Condvar::new(),
        done: Condvar::new(),
        threads: Mutex::new(vec![]),
        helpers: OnceLock::new(),
    }));
    for n in 0..WORKERS {
        let t = std::thread::Builder::new().name(format!("exec-{n}")).spawn(move || q.work()).expect("spawn");
        q.threads.lock().unwrap().push(t);
    }
    let (tx, rx) = channel::<Option<(Work, Arc<Signal>)>>();
    let rx = Arc::new(Mutex::new(rx));
    for _ in 0..WORKERS {
        let rx = rx.clone();
        let t = std::thread::Builder::new().name("helper".into()).spawn(move || help(&rx)).expect("spawn");
        q.threads.lock().unwrap().push(t);
    }
    q.helpers.set(tx).expect("started once");
    q
}

/// A helper thread: runs work handed over by tasks until the channel closes.
fn help(rx: &Mutex<Receiver<Option<(Work, Arc<Signal>)>>>) {
    loop {
        let next = rx.lock().unwrap().recv();
        let Ok(Some((work, signal))) = next else { return };
        work();
        signal.complete();
    }
}

impl Queue {
    fn work(&'static self) {
        while let Some(task) = self.wait_for_work() {
            let waker = Waker::from(task.clone());
            let mut slot = task.future.lock().unwrap();
            let Some(fut) = slot.as_mut() else { continue };
            if fut.as_mut().poll(&mut Context::from_waker(&waker)).is_ready() {
                *slot = None;
                self.state.lock().unwrap().unfinished -= 1;
                self.done.notify_all();
            }
        }
    }

    /// The executor's park: the next runnable task, waiting for one while there is none;
    /// None when the executor stops.
    #[inline(never)]
    fn wait_for_work(&self) -> Option<Arc<TaskCell>> {
        let mut s = self.state.lock().unwrap();
        loop {
            if let Some(t) = s.runnable.pop_front() {
                return Some(t);
            }
            if s.stopping {
                return None;
            }
            s = self.ready.wait(s).unwrap();
        }
    }
}

impl Runtime for Queue {
    fn run_all(&'static self, tasks: Vec<Task>) {
        let mut s = self.state.lock().unwrap();
        for t in tasks {
            s.unfinished += 1;
            s.runnable.push_back(Arc::new(TaskCell { future: Mutex::new(Some(t)), queue: self }));
        }
        self.ready.notify_all();
        while s.unfinished > 0 {
            s = self.done.wait(s).unwrap();
        }
    }

    fn sleep(&'static self, d: Duration) -> Task {
        self.unblock(Box::new(move || std::thread::sleep(d)))
    }

    fn unblock(&'static self, work: Work) -> Task {
        let signal = Arc::new(Signal::default());
        // an unbounded channel: sending never blocks the executor thread
        self.helpers.get().expect("started").send(Some((work, signal.clone()))).expect("helpers");
        Box::pin(Completion(signal))
    }

    fn stop(&'static self) {
        for _ in 0..WORKERS {
            let _ = self.helpers.get().expect("started").send(None);
        }
        self.state.lock().unwrap().stopping = true;
        self.ready.notify_all();
        for t in self.threads.lock().unwrap().drain(..) {
            t.join().expect("executor thread panicked");
        }
    }
}

/// Completion of work on a helper thread, and the waker of the task awaiting it.
#[derive(Default)]
struct Signal(Mutex<(bool, Option<Waker>)>);

impl Signal {
    fn complete(&self) {
        let waker = {
            let mut s = self.0.lock().unwrap();
            s.0 = true;
            s.1.take()
        };
        // woken outside the lock: the executor thread polling this future must not wait
        if let Some(w) = waker {
            w.wake();
        }
    }
}

struct Completion(Arc<Signal>);

impl Future for Completion {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut s = self.0 .0.lock().unwrap();
        if s.0 {
            return Poll::Ready(());
        }
        s.1 = Some(cx.waker().clone());
        Poll::Pending
    }
}
