// Names of the objects the reconciler creates for a RayCluster.
