"""The EndpointSlice controller: ``build`` (pods to endpoints), ``plan`` (the fewest slice
writes that reach the desired endpoints) and ``controller`` (informers and writes)."""
