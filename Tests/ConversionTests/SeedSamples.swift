// The original Ray operator's three samples, as its users have them.

enum SeedSamples {
    static let headCommand = "ray start --head --block --redis-port=6379 --node-ip-address=$MY_POD_IP --object-manager-port=12345 --node-manager-port=12346 --object-store-memory=100000000 --num-cpus=1"
    static let workerCommand = "ray start --block --node-ip-address=$MY_POD_IP --address=$CLUSTER_NAME-head:6379 --object-manager-port=12345 --node-manager-port=12346 --object-store-memory=100000000 --num-cpus=1"

    static let mini = """
    apiVersion: ray.io/v1alpha1
    kind: RayCluster
    metadata:
      labels:
        controller-tools.k8s.io: "1.0"
      # An unique identifier for the head node and workers of this cluster.
      name: raycluster-sample
    spec:
      # To use autoscaling, the cluster name must match the operator namespace.
      clusterName: raycluster-sample
      images:
        defaultImage: rayproject/autoscaler
      imagePullPolicy: "Always"
      extensions:
        - replicas: 1
          type: worker
          labels:
            raycluster.group.name: small-group
          groupName: small-group
          command: "\(workerCommand)"
          resources:
            limits:
              cpu: 1000m
              memory: 2Gi
              ephemeral-storage: 2Gi
            requests:
              cpu: 1000m
              memory: 2Gi
              ephemeral-storage: 2Gi
          headServiceSuffix: "ray-operator.svc"
        - replicas: 1
          type: head
          labels:
            raycluster.group.name: head-group
          groupName: head-group
          command: "\(headCommand)"
          resources:
            limits:
              cpu: 2000m
              memory: 4Gi
              ephemeral-storage: 4Gi
            requests:
              cpu: 2000m
              memory: 4Gi
              ephemeral-storage: 4Gi
          headServiceSuffix: "ray-operator.svc"
    """

    static func heterogeneousGroup(_ name: String, type: String, cpu: String, memory: String) -> String {
        """
            - replicas: 1
              type: \(type)
              labels:
                raycluster.group.name: \(name)
              groupName: \(name)
              command: "\(type == "head" ? headCommand : workerCommand)"
              resources:
                limits:
                  cpu: \(cpu)
                  memory: \(memory)
                  ephemeral-storage: \(memory)
                requests:
                  cpu: \(cpu)
                  memory: \(memory)
                  ephemeral-storage: \(memory)
              headServiceSuffix: "ray-operator.svc"
              containerEnv:
                - name: CLUSTER_NAME
                  value: raycluster-sample
                - name: MY_POD_NAME
                  valueFrom:
                    fieldRef:
                      fieldPath: metadata.name
                - name: MY_POD_IP
                  valueFrom:
                    fieldRef:
                      fieldPath: status.podIP

        """
    }

    static let heterogeneous = """
    apiVersion: ray.io/v1alpha1
    kind: RayCluster
    metadata:
      labels:
        controller-tools.k8s.io: "1.0"
      name: raycluster-sample
    spec:
      clusterName: raycluster-sample
      images:
        defaultImage: rayproject/autoscaler
      imagePullPolicy: "Always"
      extensions:

    """ + heterogeneousGroup("small-group", type: "worker", cpu: "1000m", memory: "2Gi")
        + heterogeneousGroup("medium-group", type: "worker", cpu: "2000m", memory: "4Gi")
        + heterogeneousGroup("head-group", type: "head", cpu: "2000m", memory: "4Gi")

    static func completeGroup(_ name: String, type: String, cpu: String, memory: String, storage: String) -> String {
        """
            - replicas: 1
              type: \(type)
              labels:
                raycluster.group.name: \(name)
              groupName: \(name)
              command: "\(type == "head" ? headCommand : workerCommand)"
              resources:
                limits:
                  cpu: \(cpu)
                  memory: \(memory)
                  ephemeral-storage: \(storage)
                requests:
                  cpu: \(cpu)
                  memory: \(memory)
                  ephemeral-storage: \(storage)
              annotations:
                key: value
              affinity:
                nodeAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    nodeSelectorTerms:
                    - matchExpressions:
                      - key: key1
                        operator: In
                        values:
                        - "true"
                      - key: key2
                        operator: In
                        values:
                        - "true"
              tolerations:
                - key: "key1"
                  operator: "Equal"
                  value: "true"
                  effect: "NoSchedule"
              containerEnv:
                - name: APPNAME
                  value: raycluster-sample
                - name: MY_POD_NAME
                  valueFrom:
                    fieldRef:
                      fieldPath: metadata.name
                - name: MY_POD_IP
                  valueFrom:
                    fieldRef:
                      fieldPath: status.podIP
              headServiceSuffix: "ray-operator.svc"
              volumes:
                - name: log-volume
                  emptyDir: {}
              volumeMounts:
                - mountPath: /path/to/log
                  name: log-volume

        """
    }

    static let complete = """
    apiVersion: ray.io/v1alpha1
    kind: RayCluster
    metadata:
      labels:
        controller-tools.k8s.io: "1.0"
      name: raycluster-sample
    spec:
      clusterName: raycluster-sample
      images:
        defaultImage: rayproject/autoscaler
      imagePullPolicy: "Always"
      extensions:

    """ + completeGroup("small-group", type: "worker", cpu: "1000m", memory: "2Gi", storage: "2Gi")
        + completeGroup("medium-group", type: "worker", cpu: "2000m", memory: "4Gi", storage: "4Gi")
        + completeGroup("headgroup", type: "head", cpu: "1000m", memory: "1Gi", storage: "4Gi")

    static let all: [(name: String, yaml: String)] = [("mini", mini), ("heterogeneous", heterogeneous), ("complete", complete)]
}
