/**
 * The pod's lifecycle numbers, derived from the service's own start and stop sequence
 * (templates/service/base/src/app.ts and the defaults of src/config.ts) rather than picked:
 * test/unit/k8s-semantics.test.ts reads those constants back from the rendered service and fails
 * when they move without these.
 */

/** app.ts DEPENDENCY_TIMEOUT_MS: the longest any one shutdown step is waited for before it is abandoned. */
export const DEPENDENCY_TIMEOUT_S = 3;
/** config.ts DEREGISTER_DELAY_MS default: serving goes on this long after leaving the registry. */
export const DEREGISTER_DELAY_S = 2;
/** config.ts SHUTDOWN_TIMEOUT_MS default: in-flight calls get this long to finish. */
export const SHUTDOWN_TIMEOUT_S = 10;

/**
 * app.ts `shutdown()`, in order, each bounded: deregister (one step), the deregister delay, the RPC
 * drain (its own limit plus one step, after which it is abandoned), then closing the registry, the
 * database pool and the ops server (one step each).
 */
export const SHUTDOWN_WORST_CASE_S =
  DEPENDENCY_TIMEOUT_S + DEREGISTER_DELAY_S + (SHUTDOWN_TIMEOUT_S + DEPENDENCY_TIMEOUT_S) + 3 * DEPENDENCY_TIMEOUT_S;

/**
 * Before SIGTERM: the kubelet runs preStop while the endpoints controller takes the pod out of its
 * Services, so the ClusterIP Service's clients (the gateway, Prometheus) stop picking it before the
 * process starts to stop. Registry clients learn from the deregistration that SIGTERM starts.
 */
export const PRE_STOP_SLEEP_S = 5;
/** Between the process's own worst case and SIGKILL: its exit and the log flush. */
const EXIT_MARGIN_S = 3;

/** preStop counts against the grace period, so it is added to the process's worst case. */
export const TERMINATION_GRACE_PERIOD_S = PRE_STOP_SLEEP_S + SHUTDOWN_WORST_CASE_S + EXIT_MARGIN_S;

/**
 * Startup has no overall bound in app.ts: the ops server, then the schema check through the pool, the
 * RPC server and the registration, each as fast as its dependency answers. 2 s x 45 = 90 s covers a
 * database that answers only after mysql2's 10 s connect timeout a few times over while a node starts.
 */
export const STARTUP_PROBE = { periodSeconds: 2, failureThreshold: 45 } as const;
/** As the Dockerfile's HEALTHCHECK: every 10 s, 3 s to answer, 3 misses. */
export const LIVENESS_PROBE = { periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 } as const;
/** Out of the Service within 10 s of the database going away (/readyz checks it on every call). */
export const READINESS_PROBE = { periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 } as const;
