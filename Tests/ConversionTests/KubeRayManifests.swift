// Realistic KubeRay ray.io/v1 manifests, modelled on KubeRay's samples,
// the way clusters are written today: several containers, sidecars, generated `ray start`, etc.

enum KubeRayManifests {
    static let minimal = """
    apiVersion: ray.io/v1
    kind: RayCluster
    metadata:
      name: raycluster-kuberay
    spec:
      rayVersion: '2.41.0'
      headGroupSpec:
        rayStartParams: {}
        template:
          spec:
            containers:
            - name: ray-head
              image: rayproject/ray:2.41.0
              resources:
                limits:
                  cpu: 1
                  memory: 2G
                requests:
                  cpu: 1
                  memory: 2G
              ports:
              - containerPort: 6379
                name: gcs-server
              - containerPort: 8265
                name: dashboard
              - containerPort: 10001
                name: client
      workerGroupSpecs:
      - replicas: 1
        minReplicas: 1
        maxReplicas: 5
        groupName: workergroup
        rayStartParams: {}
        template:
          spec:
            containers:
            - name: ray-worker
              image: rayproject/ray:2.41.0
              resources:
                limits:
                  cpu: 1
                  memory: 1G
                requests:
                  cpu: 1
                  memory: 1G
    """

    static let autoscaler = """
    apiVersion: ray.io/v1
    kind: RayCluster
    metadata:
      name: raycluster-autoscaler
      namespace: ray
      labels:
        team: ml
    spec:
      rayVersion: '2.41.0'
      enableInTreeAutoscaling: true
      autoscalerOptions:
        version: v2
        upscalingMode: Default
        idleTimeoutSeconds: 60
        imagePullPolicy: IfNotPresent
        securityContext: {}
        env: []
        envFrom: []
        resources:
          limits:
            cpu: "500m"
            memory: "512Mi"
          requests:
            cpu: "500m"
            memory: "512Mi"
      headGroupSpec:
        rayStartParams:
          num-cpus: "0"
        template:
          spec:
            restartPolicy: Never
            containers:
            - name: ray-head
              image: rayproject/ray:2.41.0
              ports:
              - containerPort: 6379
                name: gcs
              - containerPort: 8265
                name: dashboard
              - containerPort: 10001
                name: client
              resources:
                limits:
                  cpu: "1"
                  memory: "2G"
                requests:
                  cpu: "1"
                  memory: "2G"
              lifecycle:
                preStop:
                  exec:
                    command: ["/bin/sh","-c","ray stop"]
              volumeMounts:
              - mountPath: /home/ray/samples
                name: ray-example-configmap
            volumes:
            - name: ray-example-configmap
              configMap:
                name: ray-example
                defaultMode: 0777
                items:
                - key: detached_actor.py
                  path: detached_actor.py
      workerGroupSpecs:
      - replicas: 0
        minReplicas: 0
        maxReplicas: 10
        idleTimeoutSeconds: 120
        groupName: small-group
        rayStartParams: {}
        template:
          spec:
            restartPolicy: Never
            containers:
            - name: ray-worker
              image: rayproject/ray:2.41.0
              resources:
                limits:
                  cpu: "1"
                  memory: "1G"
                requests:
                  cpu: "1"
                  memory: "1G"
    status:
      state: ready
      availableWorkerReplicas: 0
      desiredWorkerReplicas: 0
      desiredCPU: "1"
      desiredMemory: 2G
      head:
        podIP: 10.0.0.12
        serviceIP: 10.0.0.13
      conditions:
      - type: HeadPodReady
        status: "True"
        reason: HeadPodRunningAndReady
        lastTransitionTime: "2026-11-27T04:00:00Z"
    """

    static let externalRedis = """
    apiVersion: ray.io/v1
    kind: RayCluster
    metadata:
      name: raycluster-external-redis
      annotations:
        ray.io/external-storage-namespace: my-raycluster-storage
    spec:
      rayVersion: '2.41.0'
      gcsFaultToleranceOptions:
        redisAddress: "redis:6379"
        redisPassword:
          valueFrom:
            secretKeyRef:
              name: redis-password-secret
              key: password
      headGroupSpec:
        rayStartParams:
          num-cpus: "0"
          redis-password: $REDIS_PASSWORD
        template:
          spec:
            containers:
            - name: ray-head
              image: rayproject/ray:2.41.0
              env:
              - name: REDIS_PASSWORD
                valueFrom:
                  secretKeyRef:
                    name: redis-password-secret
                    key: password
              resources:
                limits:
                  cpu: "1"
                requests:
                  cpu: "1"
              ports:
              - containerPort: 6379
                name: redis
              - containerPort: 8265
                name: dashboard
      workerGroupSpecs:
      - replicas: 1
        minReplicas: 1
        maxReplicas: 1
        groupName: small-group
        rayStartParams: {}
        template:
          spec:
            containers:
            - name: ray-worker
              image: rayproject/ray:2.41.0
    """

    static let tpuMultihost = """
    apiVersion: ray.io/v1
    kind: RayCluster
    metadata:
      name: raycluster-tpu-v4-multihost
    spec:
      headGroupSpec:
        rayStartParams: {}
        template:
          spec:
            containers:
            - name: ray-head
              image: rayproject/ray:2.41.0-py310
              imagePullPolicy: IfNotPresent
              resources:
                limits:
                  cpu: "8"
                  memory: 40G
                requests:
                  cpu: "8"
                  memory: 40G
              ports:
              - containerPort: 6379
                name: gcs
              - containerPort: 8265
                name: dashboard
      workerGroupSpecs:
      - replicas: 1
        minReplicas: 1
        maxReplicas: 1
        numOfHosts: 2
        groupName: tpu-group
        rayStartParams: {}
        template:
          spec:
            containers:
            - name: ray-worker
              image: rayproject/ray:2.41.0-py310
              imagePullPolicy: IfNotPresent
              resources:
                limits:
                  cpu: "1"
                  google.com/tpu: "4"
                  memory: 40G
                requests:
                  cpu: "1"
                  google.com/tpu: "4"
                  memory: 40G
              env:
              - name: JAX_PLATFORMS
                value: "tpu"
            nodeSelector:
              cloud.google.com/gke-tpu-accelerator: tpu-v4-podslice
              cloud.google.com/gke-tpu-topology: 2x2x2
    """

    static let fluentbitSidecar = """
    apiVersion: ray.io/v1
    kind: RayCluster
    metadata:
      name: raycluster-fluentbit-sidecar-logs
    spec:
      rayVersion: '2.41.0'
      headGroupSpec:
        rayStartParams: {}
        serviceType: ClusterIP
        template:
          metadata:
            labels:
              app: ray
            annotations:
              prometheus.io/scrape: "true"
          spec:
            serviceAccountName: ray-head
            containers:
            - name: ray-head
              image: rayproject/ray:2.41.0
              resources:
                limits:
                  cpu: 1
                  memory: 2Gi
              ports:
              - containerPort: 6379
                name: gcs-server
              volumeMounts:
              - mountPath: /tmp/ray
                name: ray-logs
            - name: fluentbit
              image: fluent/fluent-bit:3.2.2
              resources:
                limits:
                  cpu: 100m
                  memory: 128Mi
              volumeMounts:
              - mountPath: /tmp/ray
                name: ray-logs
              - mountPath: /fluent-bit/etc/fluent-bit.conf
                subPath: fluent-bit.conf
                name: fluentbit-config
            volumes:
            - name: ray-logs
              emptyDir: {}
            - name: fluentbit-config
              configMap:
                name: fluentbit-config
            tolerations:
            - key: ray
              operator: Exists
              effect: NoSchedule
            affinity:
              podAntiAffinity:
                preferredDuringSchedulingIgnoredDuringExecution:
                - weight: 100
                  podAffinityTerm:
                    topologyKey: kubernetes.io/hostname
                    labelSelector:
                      matchLabels:
                        app: ray
    """

    /// A head command given explicitly (KubeRay's head-command and overwrite-command samples), and
    /// an init container, security context, custom head Service.
    static let customCommands = """
    apiVersion: ray.io/v1
    kind: RayCluster
    metadata:
      name: raycluster-overwrite-cmd
      annotations:
        ray.io/overwrite-container-cmd: "true"
    spec:
      rayVersion: '2.41.0'
      headGroupSpec:
        rayStartParams: {}
        headService:
          metadata:
            name: custom-head
          spec:
            type: NodePort
        template:
          spec:
            initContainers:
            - name: init
              image: busybox:1.28
              command: ['sh', '-c', 'echo init']
            containers:
            - name: ray-head
              image: rayproject/ray:2.41.0
              command: ["/bin/bash", "-lc", "--"]
              args: ["ulimit -n 65536; echo head; $KUBERAY_GEN_RAY_START_CMD"]
              securityContext:
                runAsUser: 1000
      workerGroupSpecs:
      - replicas: 2
        minReplicas: 0
        maxReplicas: 4
        groupName: bash-workers
        rayStartParams:
          num-cpus: "1"
        scaleStrategy:
          workersToDelete:
          - raycluster-overwrite-cmd-bash-workers-worker-abcde
        template:
          spec:
            containers:
            - name: ray-worker
              image: rayproject/ray:2.41.0
              command: ["/bin/bash", "-c", "--"]
              args: ["ray start --address=raycluster-overwrite-cmd-head-svc:6379 --block"]
      - replicas: 1
        minReplicas: 1
        maxReplicas: 1
        groupName: python-workers
        rayStartParams: {}
        template:
          spec:
            containers:
            - name: ray-worker
              image: rayproject/ray:2.41.0-gpu
              command: ["python", "-m", "worker"]
              resources:
                limits:
                  nvidia.com/gpu: 1
    """

    static let all: [(name: String, yaml: String)] = [
        ("minimal", minimal), ("autoscaler", autoscaler), ("externalRedis", externalRedis),
        ("tpuMultihost", tpuMultihost), ("fluentbitSidecar", fluentbitSidecar), ("customCommands", customCommands),
    ]
}
