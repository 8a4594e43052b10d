"""Read models of pga: one module per read model. They arrive in the projections issue."""
