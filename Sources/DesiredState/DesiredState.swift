// The DesiredState module: start reading here.
//
// # DesiredState
//
// What the reconciler wants to exist for a RayCluster — its head pod, worker pods, head Service and
// status — as pure functions of their inputs: the stored (`ray.io/v1`) RayCluster, the pods and
// Services the cache shows, a `now` timestamp and operator options. No I/O, no clock, no threads:
// the control loop (informers, work queue, API calls, events) calls these functions and performs
// what they return, and every behaviour is unit-tested without an API server.
//
// ## Where to start
//
// 1. `ReconcilePlan.swift` — the planner the control loop calls each pass, and its input contract.
// 2. `ReconcileAction.swift` — the calls a plan contains, the Events to emit and the error to report.
// 3. `ClusterStatus.swift` — the new `status` and `needsWrite`.
// 4. Then the parts: `WorkerGroupPlan.swift` (one group), `ObservedPod.swift` (reading pods,
//    "unhealthy"), `PodBuilder.swift` (a pod), `HeadServiceBuilder.swift`, `RayStartCommand.swift`,
//    `RayContainerEnv.swift`, `RayProbes.swift`, `PodMetadata.swift` (labels, annotations),
//    `AutoscalerSidecar.swift`, `ClusterNames.swift`, `ClusterOrigin.swift`, `StatusConditions.swift`,
//    `DesiredResources.swift`, `DesiredStateOptions.swift`, `MultiHostGroupPlan.swift` (multi-host
//    groups), `HeadlessWorkerService.swift`, `AutoscalerRBAC.swift` (the autoscaler's rights).
//
// ## Using it from the control loop
//
// ```swift
// let plan = ReconcilePlan.make(cluster: cluster, pods: ownedPods, services: ownedServices,
//                               autoscalerObjects: existing /* names present in the namespace */, options: options)
// switch plan.phase {
// case .skipped: return                                  // managedBy another controller: no writes
// case .invalid: emitWarning("InvalidRayClusterSpec", plan.error); return  // no status write, no requeue
// default: break
// }
// for event in plan.events { emit(event) }               // e.g. AutoscalerServiceAccountNotFound
// var failure = plan.error
// for action in plan.actions {
//     do { try perform(action) /* AlreadyExists / NotFound count as done, without an Event */
//          emit(action.successEvent(namespace: ns)) }
//     catch { emit(action.failureEvent(namespace: ns, error: "\(error)"))
//             failure = action.failure(namespace: ns, error: "\(error)"); break }
// }
// let status = ClusterStatus.compute(cluster: cluster, pods: ownedPods, headService: headService,
//                                    reconcileError: failure, now: rfc3339Now())
// if ClusterStatus.needsWrite(old: cluster["status"], new: status) { writeStatus(status) }
// // requeue: with backoff when `failure != nil`; at once when `plan.incomplete`; promptly after the
// // status write when `plan.requeueAfterStatusWrite`; else after --requeue-after.
// ```
//
// `ownedPods` / `ownedServices` are the cluster's children filtered by the label
// `ray.io/cluster=<name>` **and** by a controller owner reference with the cluster's UID.
//
// ## Decisions worth knowing
//
// - Names are the original operator's (`<cluster>-<group>-<type>-<index>`, Service `<cluster>-head`),
//   fixed, so a create from a stale cache gets AlreadyExists instead of a second pod; the group part
//   is lower-cased.
// - Deletes carry the pod's UID; scale-down takes terminating pods as first victims and then the
//   highest indices, so passes over stale views never delete one pod too many.
// - Names in `workersToDelete` are only deleted when they are pods of that group in the view (never a
//   blind delete by name), and are never reused while listed.
// - Worker pods of groups no longer in the spec are deleted (the original operator did; KubeRay
//   leaves them).
// - Clusters written through `ray.io/v1alpha1` (conversion data present) keep their command, get the
//   original operator's labels, and no probes or `wait-gcs-ready` init container.
// - `app.kubernetes.io/created-by` is KubeRay's `kuberay-operator`: tools written for KubeRay find
//   the pods; ownership never rests on it.
// - Condition messages are never empty: Kubernetes 1.20 refuses an empty required string.
// - `needsWrite` writes observedGeneration and desired-resource changes (KubeRay does not): a spec
//   change shows in the status, and an idle cluster still causes no writes.
// - Multi-host groups (numOfHosts > 1) are reconciled replica by replica (MultiHostGroupPlan.swift):
//   created, repaired and removed whole; the headless worker Service exists while one does.
// - Under in-tree autoscaling, the autoscaler's ServiceAccount, Role and RoleBinding
//   (AutoscalerRBAC.swift) come first, made when missing, never updated.
//
// Not built: GCS fault tolerance, auth, TLS, history server, Ingress, serve Service, upgrade strategy.
