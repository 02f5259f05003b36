// Which API version a stored (ray.io/v1) RayCluster was written through.
//
// An object created or last written through `ray.io/v1alpha1` carries the annotation
// `ray.io/conversion-data` with data restoring v1alpha1 (the original operator's fields v1 cannot
// hold). Such clusters are the original operator's: they keep their own command (it already runs
// `ray start`), get its labels too, and none of KubeRay's additions that assume a recent Ray image
// (probes on the dashboard agent's port, the `ray health-check` init container): the original
// samples run `rayproject/autoscaler`, an image from before those existed.
import JSON
import RayAPI

/// The API version a RayCluster's spec was written through.
package enum ClusterOrigin: String, Sendable, Equatable {
    /// KubeRay's API (or no conversion data).
    case v1
    /// The original Ray operator's API.
    case v1alpha1

    /// Reads the conversion data annotation of a stored object.
    package init(cluster object: JSONValue) {
        guard let text = object["metadata"]?["annotations"]?[RayAnnotation.conversionData]?.stringValue,
              let data = try? JSONValue.parse(text),
              data["apiVersion"]?.stringValue == RayAPIGroup.v1alpha1 else {
            self = .v1
            return
        }
        self = .v1alpha1
    }
}
