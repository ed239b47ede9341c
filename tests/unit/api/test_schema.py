"""The schema knows every field real manifests use, and flags the ones they don't have."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from tinykube.api import kinds, schema
from tinykube.api.schema import ListOf, MapOf, Node, Open, Scalar, Struct

# --------------------------------------------------------------------------- seeds
# Manifests from the tutorials in /work/shared/seeds and the Kubernetes docs, verbatim.

SEED_MANIFESTS = """
kind: Service
apiVersion: v1
metadata:
  name: my-nginx-headless-svc
spec:
  clusterIP: None
  ports:
  - protocol: TCP
    port: 80
    targetPort: 80
    name: httpport
  selector:
    run: my-nginx
---
apiVersion: v1
kind: Pod
metadata:
  name: dig
  namespace: default
spec:
  containers:
  - name: dig
    image: test/dig:latest
    imagePullPolicy: IfNotPresent
    command:
    - sleep
    - "3600"
  restartPolicy: Always
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: "nginx"
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.9.1
        ports:
        - containerPort: 80
          name: web
---
apiVersion: v1
kind: Service
metadata:
  name: nginx-service
  labels:
    app: nginx
spec:
  ports:
  - port: 88
    targetPort: 80
  selector:
    app: nginx
  type: NodePort
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: grpc-client
  labels:
    app: grpc-client
spec:
  replicas: 1
  selector:
    matchLabels:
      app: grpc-client
  template:
    metadata:
      labels:
        app: grpc-client
    spec:
      containers:
        - name: grpc-client
          image: techdozo/grpc-lb-client:1.0.0
          env:
            - name: SERVER_HOST
              value: grpc-server-service:80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: my-nginx
spec:
  selector:
    matchLabels:
      run: my-nginx
  replicas: 2
  template:
    metadata:
      labels:
        run: my-nginx
    spec:
      containers:
      - name: my-nginx
        image: nginx
        imagePullPolicy: IfNotPresent
        ports:
        - containerPort: 80
        startupProbe:
           periodSeconds: 5
           initialDelaySeconds: 60
           timeoutSeconds: 10
           httpGet:
             scheme: HTTP
             port: 80
             path: /
        livenessProbe:
           periodSeconds: 5
           initialDelaySeconds: 60
           timeoutSeconds: 10
           httpGet:
             scheme: HTTP
             port: 80
             path: /
        readinessProbe:
           periodSeconds: 5
           initialDelaySeconds: 60
           timeoutSeconds: 10
           httpGet:
             scheme: HTTP
             port: 80
             path: /
---
apiVersion: v1
kind: Service
metadata:
  name: my-nginx-nodeport
  labels:
    run: my-nginx-nodeport
spec:
  type: NodePort
  ports:
  - port: 80
    protocol: TCP
    targetPort: 80
    nodePort: 30380
  selector:
    run: my-nginx-nodeport
---
apiVersion: v1
kind: Service
metadata:
  name: client-svc
spec:
  type: ExternalName
  externalName: nginx-svc.nginx-ns.svc.cluster.local
  ports:
  - name: http
    port: 80
    targetPort: 80
---
apiVersion: v1
kind: Endpoints
metadata:
  name: mysql
subsets:
- addresses:
  - ip: 10.32.1.149
  ports:
  - port: 3306
---
apiVersion: v1
kind: Service
metadata:
  name: nginx-ro
spec:
  type: ExternalName
  externalName: nginx-svc.qa.svc.cluster.local
  ports:
  - port: 80
    targetPort: 80
    nodePort: 30080
  selector:
    app: nginx-ro
---
apiVersion: v1
kind: Namespace
metadata:
  name: nginx-ns
"""

# From the Kubernetes documentation: the less common corners of a pod template.
DOCS_MANIFESTS = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  annotations:
    deployment.kubernetes.io/revision: "1"
spec:
  replicas: 3
  revisionHistoryLimit: 5
  progressDeadlineSeconds: 600
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  selector:
    matchExpressions:
    - {key: tier, operator: In, values: [frontend]}
  template:
    metadata:
      labels:
        tier: frontend
    spec:
      nodeSelector:
        disktype: ssd
      serviceAccountName: web
      terminationGracePeriodSeconds: 30
      dnsPolicy: ClusterFirst
      hostAliases:
      - ip: "127.0.0.1"
        hostnames: ["foo.local", "bar.local"]
      securityContext:
        runAsUser: 1000
        fsGroup: 2000
      tolerations:
      - key: "key1"
        operator: "Equal"
        value: "value1"
        effect: "NoSchedule"
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions:
              - key: topology.kubernetes.io/zone
                operator: In
                values: [antarctica-east1]
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: zone
        whenUnsatisfiable: DoNotSchedule
        labelSelector:
          matchLabels:
            tier: frontend
      initContainers:
      - name: init-myservice
        image: busybox:1.28
        command: ['sh', '-c', "until nslookup myservice; do sleep 2; done"]
      containers:
      - name: app
        image: registry.example/app:v2
        args: ["--port", "8080"]
        workingDir: /srv
        ports:
        - name: http
          containerPort: 8080
          protocol: TCP
        env:
        - name: MY_NODE_NAME
          valueFrom:
            fieldRef:
              fieldPath: spec.nodeName
        - name: MY_CPU_LIMIT
          valueFrom:
            resourceFieldRef:
              containerName: app
              resource: limits.cpu
        - name: SPECIAL_LEVEL_KEY
          valueFrom:
            configMapKeyRef:
              name: special-config
              key: special.how
        - name: SECRET_USERNAME
          valueFrom:
            secretKeyRef:
              name: backend-user
              key: backend-username
              optional: true
        envFrom:
        - configMapRef:
            name: special-config
        - prefix: DB_
          secretRef:
            name: db
        resources:
          requests:
            memory: "64Mi"
            cpu: "250m"
          limits:
            memory: "128Mi"
            cpu: 1
        volumeMounts:
        - name: cache-volume
          mountPath: /cache
        - name: config
          mountPath: /etc/config
          readOnly: true
        livenessProbe:
          exec:
            command: [cat, /tmp/healthy]
          initialDelaySeconds: 5
          periodSeconds: 5
        readinessProbe:
          tcpSocket:
            port: http
          failureThreshold: 3
        startupProbe:
          grpc:
            port: 2379
        lifecycle:
          postStart:
            exec:
              command: ["/bin/sh", "-c", "echo Hello > /usr/share/message"]
          preStop:
            httpGet:
              path: /shutdown
              port: 8080
              httpHeaders:
              - name: X-Reason
                value: stop
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            add: ["NET_ADMIN"]
        terminationMessagePolicy: FallbackToLogsOnError
      volumes:
      - name: cache-volume
        emptyDir:
          sizeLimit: 500Mi
      - name: config
        configMap:
          name: log-config
          items:
          - key: log_level
            path: log_level
      - name: host
        hostPath:
          path: /var/log
          type: Directory
      imagePullSecrets:
      - name: regcred
---
apiVersion: v1
kind: Service
metadata:
  name: my-service
spec:
  type: LoadBalancer
  selector:
    app.kubernetes.io/name: MyApp
  ports:
  - name: http
    protocol: TCP
    port: 80
    targetPort: 9376
    appProtocol: http
  sessionAffinity: ClientIP
  sessionAffinityConfig:
    clientIP:
      timeoutSeconds: 10800
  externalTrafficPolicy: Local
  internalTrafficPolicy: Cluster
  ipFamilyPolicy: PreferDualStack
  ipFamilies: [IPv6, IPv4]
  loadBalancerSourceRanges: ["130.211.204.1/32"]
  externalIPs: [80.11.12.10]
  publishNotReadyAddresses: true
  allocateLoadBalancerNodePorts: false
status:
  loadBalancer:
    ingress:
    - ip: 192.0.2.127
      ipMode: VIP
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: example-abc
  labels:
    kubernetes.io/service-name: example
addressType: IPv4
ports:
  - name: http
    protocol: TCP
    port: 80
endpoints:
  - addresses:
      - "10.1.2.3"
    conditions:
      ready: true
      serving: true
      terminating: false
    hostname: pod-1
    nodeName: node-1
    zone: us-west2-a
    targetRef:
      kind: Pod
      name: pod-1
      namespace: default
    hints:
      forZones:
      - name: us-west2-a
---
apiVersion: v1
kind: Event
metadata:
  name: my-nginx.17f1
  namespace: default
involvedObject:
  kind: Service
  namespace: default
  name: my-nginx
  uid: 041704e1-0000-0000-0000-000000000000
  apiVersion: v1
  resourceVersion: "110"
reason: Type
message: ClusterIP -> NodePort
source:
  component: service-controller
type: Normal
count: 2
firstTimestamp: "2024-01-01T00:00:00Z"
lastTimestamp: "2024-01-01T00:01:00Z"
eventTime: null
reportingComponent: service-controller
reportingInstance: ""
series:
  count: 2
  lastObservedTime: "2024-01-01T00:01:00.000000Z"
related:
  kind: Pod
  name: p
---
apiVersion: v1
kind: Node
metadata:
  name: tinykube
  labels:
    kubernetes.io/hostname: tinykube
spec:
  podCIDR: 10.244.0.0/24
  podCIDRs: [10.244.0.0/24]
  taints:
  - key: node.kubernetes.io/not-ready
    effect: NoSchedule
status:
  capacity: {cpu: "2", memory: 4Gi, pods: "110"}
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
  addresses:
  - {type: InternalIP, address: 10.244.0.1}
  - {type: Hostname, address: tinykube}
  conditions:
  - type: Ready
    status: "True"
    reason: KubeletReady
    lastHeartbeatTime: "2024-01-01T00:00:00Z"
    lastTransitionTime: "2024-01-01T00:00:00Z"
  nodeInfo:
    kubeletVersion: v1.32.4
    architecture: amd64
  daemonEndpoints:
    kubeletEndpoint: {Port: 10250}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: my-nginx-6f6bcdf657
  ownerReferences:
  - apiVersion: apps/v1
    kind: Deployment
    name: my-nginx
    uid: 0b8d1d3c-0000-0000-0000-000000000000
    controller: true
    blockOwnerDeletion: true
  finalizers: [example.com/keep]
  managedFields:
  - manager: kube-controller-manager
    operation: Update
    apiVersion: apps/v1
    time: "2024-01-01T00:00:00Z"
    fieldsType: FieldsV1
    fieldsV1:
      f:status:
        f:replicas: {}
    subresource: status
spec:
  replicas: 2
  selector:
    matchLabels: {run: my-nginx, pod-template-hash: 6f6bcdf657}
  template:
    metadata:
      labels: {run: my-nginx, pod-template-hash: 6f6bcdf657}
    spec:
      containers:
      - {name: my-nginx, image: nginx}
status:
  replicas: 2
  readyReplicas: 2
  availableReplicas: 2
  fullyLabeledReplicas: 2
  observedGeneration: 1
---
apiVersion: v1
kind: Pod
metadata:
  name: web-0
  generateName: web-
status:
  phase: Running
  podIP: 10.244.0.5
  podIPs: [{ip: 10.244.0.5}]
  hostIP: 10.244.0.1
  startTime: "2024-01-01T00:00:00Z"
  qosClass: BestEffort
  conditions:
  - {type: Ready, status: "True", lastProbeTime: null, lastTransitionTime: "2024-01-01T00:00:00Z"}
  containerStatuses:
  - name: nginx
    ready: true
    started: true
    restartCount: 0
    image: nginx:1.9.1
    imageID: ""
    containerID: tinykube://123
    state:
      running: {startedAt: "2024-01-01T00:00:00Z"}
spec:
  hostname: web-0
  subdomain: nginx
  containers:
  - name: nginx
    image: nginx:1.9.1
"""


def _docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


ALL_MANIFESTS = _docs(SEED_MANIFESTS) + _docs(DOCS_MANIFESTS)


def _manifest(kind: str, name: str) -> dict[str, Any]:
    found = [m for m in ALL_MANIFESTS if m["kind"] == kind and m["metadata"]["name"] == name]
    return copy.deepcopy(found[0])


@pytest.mark.parametrize(
    "manifest", ALL_MANIFESTS, ids=lambda m: f"{m['kind']}/{m['metadata']['name']}"
)
def test_real_manifests_have_no_unknown_or_mistyped_field(manifest: dict[str, Any]) -> None:
    assert schema.unknown_fields(manifest) == []
    assert schema.type_errors(manifest) == []


def test_every_served_kind_has_a_schema() -> None:
    for kind in kinds.KINDS:
        assert {"apiVersion", "kind", "metadata"} <= set(schema.root(kind).fields)


# --------------------------------------------------------------------------- unknown fields


def _service() -> dict[str, Any]:
    return _manifest("Service", "my-nginx-headless-svc")


def test_unknown_fields_are_reported_with_their_paths() -> None:
    svc = _service()
    svc["bogus"] = 1
    svc["metadata"]["labelz"] = {"a": "b"}
    svc["spec"]["bogus"] = True
    svc["spec"]["ports"][0]["prot"] = "TCP"
    svc["spec"]["sessionAffinityConfig"] = {"clientIP": {"timeout": 3}}
    assert schema.unknown_fields(svc) == [
        "bogus",
        "metadata.labelz",
        "spec.bogus",
        "spec.ports[0].prot",
        "spec.sessionAffinityConfig.clientIP.timeout",
    ]


def test_unknown_fields_deep_in_a_pod_template() -> None:
    deploy = _manifest("Deployment", "web")
    containers = deploy["spec"]["template"]["spec"]["containers"]
    containers[0]["imagePullPolicyx"] = "Always"
    containers[0]["env"][2]["valueFrom"]["configMapKeyRef"]["nam"] = "x"
    containers[0]["livenessProbe"]["exec"]["cmd"] = []
    deploy["spec"]["template"]["spec"]["volumes"][0]["emptyDirr"] = {}
    deploy["spec"]["strategy"]["rollingUpdate"]["maxSurges"] = 1
    assert schema.unknown_fields(deploy) == [
        "spec.strategy.rollingUpdate.maxSurges",
        "spec.template.spec.containers[0].imagePullPolicyx",
        "spec.template.spec.containers[0].env[2].valueFrom.configMapKeyRef.nam",
        "spec.template.spec.containers[0].livenessProbe.exec.cmd",
        "spec.template.spec.volumes[0].emptyDirr",
    ]


def test_open_structures_and_free_maps_accept_anything() -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "labels": {"anything": "goes"}, "annotations": {"x/y": "z"}},
        "spec": {
            "affinity": {"madeUp": {"deeply": [{"nested": 1}]}},
            "volumes": [{"name": "v", "csi": {"driver": "d", "whatever": True}}],
            "containers": [{"name": "c", "securityContext": {"future": "field"}}],
        },
    }
    assert schema.unknown_fields(pod) == []


def test_top_level_fields_of_kinds_without_spec() -> None:
    ep = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "x"}, "spec": {}}
    assert schema.unknown_fields(ep) == ["spec"]
    ev = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "x"}, "status": {}}
    assert schema.unknown_fields(ev) == ["status"]
    eps = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "x"},
        "subsets": [],
    }
    assert schema.unknown_fields(eps) == ["subsets"]


def test_kind_can_be_given_when_the_object_lacks_it() -> None:
    body = {"metadata": {"name": "x"}, "spec": {"portz": []}}
    assert schema.unknown_fields(body, kinds.SERVICE) == ["spec.portz"]
    assert schema.unknown_fields(body) == []  # no kind: nothing can be said


def test_prune_removes_exactly_the_unknown_fields() -> None:
    svc = _service()
    svc["spec"]["bogus"] = True
    svc["spec"]["ports"][0]["prot"] = "TCP"
    svc["metadata"]["labelz"] = {}
    schema.prune(svc)
    assert svc == _service()
    assert schema.unknown_fields(svc) == []


# --------------------------------------------------------------------------- types


def test_type_errors_name_the_field_and_both_types() -> None:
    svc = _service()
    svc["spec"]["ports"][0]["port"] = "80"
    svc["spec"]["selector"] = {"run": 1}
    svc["spec"]["clusterIPs"] = "None"
    svc["metadata"]["labels"] = ["a"]
    assert schema.type_errors(svc) == [
        "json: cannot unmarshal array into Go struct field metadata.labels of type map",
        "json: cannot unmarshal string into Go struct field spec.ports[0].port of type integer",
        "json: cannot unmarshal number into Go struct field spec.selector[run] of type string",
        "json: cannot unmarshal string into Go struct field spec.clusterIPs of type array",
    ]


def test_type_rules_for_special_scalars() -> None:
    deploy = _manifest("Deployment", "web")
    c = deploy["spec"]["template"]["spec"]["containers"][0]
    c["resources"]["limits"]["cpu"] = 0.5  # quantities may be numbers
    c["ports"][0]["containerPort"] = True  # a bool is not an integer
    c["livenessProbe"]["tcpSocket"] = {"port": "http"}  # int-or-string
    c["env"][0]["value"] = None  # null is always allowed
    assert schema.type_errors(deploy) == [
        "json: cannot unmarshal bool into Go struct field "
        "spec.template.spec.containers[0].ports[0].containerPort of type integer"
    ]
    assert schema.type_errors({"apiVersion": "v1", "kind": "Service", "spec": 3}) == [
        "json: cannot unmarshal number into Go struct field spec of type object"
    ]


# --------------------------------------------------------------------------- merge strategies

MERGE_KEYS = [
    (kinds.SERVICE, ("spec", "ports"), "port"),
    (kinds.POD, ("spec", "containers"), "name"),
    (kinds.POD, ("spec", "initContainers"), "name"),
    (kinds.POD, ("spec", "ephemeralContainers"), "name"),
    (kinds.POD, ("spec", "containers", "ports"), "containerPort"),
    (kinds.POD, ("spec", "containers", "env"), "name"),
    (kinds.POD, ("spec", "containers", "volumeMounts"), "mountPath"),
    (kinds.POD, ("spec", "volumes"), "name"),
    (kinds.POD, ("spec", "imagePullSecrets"), "name"),
    (kinds.POD, ("spec", "hostAliases"), "ip"),
    (kinds.POD, ("spec", "topologySpreadConstraints"), "topologyKey"),
    (kinds.POD, ("status", "conditions"), "type"),
    (kinds.POD, ("metadata", "ownerReferences"), "uid"),
    (kinds.POD, ("metadata", "finalizers"), ""),
    (kinds.POD, ("spec", "tolerations"), None),
    (kinds.POD, ("spec", "containers", "command"), None),
    (kinds.POD, ("spec", "containers", "envFrom"), None),
    (kinds.DEPLOYMENT, ("spec", "template", "spec", "containers"), "name"),
    (kinds.DEPLOYMENT, ("spec", "template", "spec", "containers", "ports"), "containerPort"),
    (kinds.DEPLOYMENT, ("status", "conditions"), "type"),
    (kinds.REPLICA_SET, ("status", "conditions"), "type"),
    (kinds.STATEFUL_SET, ("status", "conditions"), "type"),
    (kinds.STATEFUL_SET, ("spec", "volumeClaimTemplates"), None),
    (kinds.NODE, ("status", "conditions"), "type"),
    (kinds.NODE, ("status", "addresses"), "type"),
    (kinds.NODE, ("spec", "podCIDRs"), ""),
    (kinds.NODE, ("spec", "taints"), None),
    (kinds.ENDPOINTS, ("subsets",), None),
    (kinds.ENDPOINT_SLICE, ("endpoints",), None),
    (kinds.ENDPOINT_SLICE, ("endpoints", "addresses"), None),
    (kinds.SERVICE, ("spec", "clusterIPs"), None),
    (kinds.SERVICE, ("spec", "nope"), None),
    (kinds.POD, ("spec", "affinity", "nodeAffinity"), None),
]


@pytest.mark.parametrize(("kind", "path", "key"), MERGE_KEYS)
def test_list_merge_keys_follow_the_go_patch_tags(
    kind: kinds.Kind, path: tuple[str, ...], key: str | None
) -> None:
    assert schema.list_merge_key(kind, path) == key


def test_retain_keys_where_kubernetes_declares_it() -> None:
    assert schema.retain_keys(kinds.DEPLOYMENT, ("spec", "strategy"))
    assert schema.retain_keys(kinds.DEPLOYMENT, ("spec", "template", "spec", "volumes"))
    assert schema.retain_keys(kinds.POD, ("spec", "resourceClaims"))
    assert not schema.retain_keys(kinds.STATEFUL_SET, ("spec", "updateStrategy"))
    assert not schema.retain_keys(kinds.POD, ("spec", "containers"))


def test_apply_keys_can_differ_from_patch_keys() -> None:
    ports = schema.node_at(kinds.SERVICE, ("spec", "ports"))
    assert isinstance(ports, ListOf)
    assert (ports.merge_key, ports.ssa, ports.keys) == ("port", "map", ("port", "protocol"))
    assert ports.key_defaults == {"protocol": "TCP"}
    addresses = schema.node_at(kinds.NODE, ("status", "addresses"))
    assert isinstance(addresses, ListOf)
    assert (addresses.smp, addresses.ssa) == ("merge", "atomic")
    selector = schema.node_at(kinds.DEPLOYMENT, ("spec", "selector"))
    assert isinstance(selector, Struct) and selector.atomic


def test_node_at_steps_through_maps_and_open_subtrees() -> None:
    assert schema.node_at(kinds.POD, ("metadata", "labels", "app")) == Scalar("string")
    assert isinstance(schema.node_at(kinds.POD, ("spec", "affinity", "x", "y")), Open)
    assert schema.node_at(kinds.POD, ("spec", "nope", "x")) is None


# --------------------------------------------------------------------------- the real API
# The official client's models list every field Kubernetes has; the schema must list the
# same ones (nothing missing, nothing invented) with compatible types, down to OPEN parts.

models = pytest.importorskip("kubernetes.client.models")

MODELS = {
    "Namespace": "V1Namespace",
    "Node": "V1Node",
    "Pod": "V1Pod",
    "Service": "V1Service",
    "Endpoints": "V1Endpoints",
    "Event": "CoreV1Event",
    "EndpointSlice": "DiscoveryV1EndpointSlice",
    "Deployment": "V1Deployment",
    "ReplicaSet": "V1ReplicaSet",
    "StatefulSet": "V1StatefulSet",
}

_SCALARS = {
    "str": {"string", "quantity"},
    "int": {"integer"},
    "bool": {"boolean"},
    "float": {"number"},
    "datetime": {"string"},
    "object": {"int-or-string", "quantity"},
}


def _model(name: str) -> Any:
    return getattr(models, name, None) or getattr(models, name.replace("DiscoveryV1", "V1"))


def _compare(node: Node, type_name: str, path: str, problems: list[str]) -> None:
    if isinstance(node, Open):
        return
    inner = re.fullmatch(r"List\[(.*)\]", type_name)
    if inner:
        if not isinstance(node, ListOf):
            problems.append(f"{path}: a list in Kubernetes")
            return
        _compare(node.items, inner.group(1), f"{path}[]", problems)
        return
    inner = re.fullmatch(r"Dict\[str, (.*)\]", type_name)
    if inner:
        if not isinstance(node, MapOf):
            problems.append(f"{path}: a map in Kubernetes")
            return
        _compare(node.values, inner.group(1), f"{path}{{}}", problems)
        return
    if type_name in _SCALARS:
        if not (isinstance(node, Scalar) and node.type in _SCALARS[type_name]):
            problems.append(f"{path}: {type_name} in Kubernetes, {node} here")
        return
    if not isinstance(node, Struct):
        problems.append(f"{path}: an object in Kubernetes")
        return
    cls = _model(type_name)
    fields = {cls.attribute_map[py]: t for py, t in cls.openapi_types.items()}
    for missing in sorted(set(fields) - set(node.fields)):
        problems.append(f"{path}.{missing}: missing here")
    for extra in sorted(set(node.fields) - set(fields)):
        problems.append(f"{path}.{extra}: not in Kubernetes")
    for name in sorted(set(fields) & set(node.fields)):
        _compare(node.fields[name], fields[name], f"{path}.{name}", problems)


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.kind)
def test_schema_matches_the_official_client_models(kind: kinds.Kind) -> None:
    problems: list[str] = []
    _compare(schema.root(kind), MODELS[kind.kind], kind.kind, problems)
    assert problems == []


def test_child_is_the_field_or_map_value_schema_or_open() -> None:
    svc = schema.root(kinds.SERVICE)
    spec = schema.child(svc, "spec")
    assert isinstance(spec, Struct) and "ports" in spec.fields
    assert schema.child(svc, "nope") == Open()
    assert schema.child(schema.child(svc, "metadata"), "labels") == MapOf(Scalar("string"))
    labels = schema.child(schema.child(svc, "metadata"), "labels")
    assert schema.child(labels, "app") == Scalar("string")
    assert schema.child(Scalar("string"), "x") == Open()
