// Progressive enhancement of the inspector workspace; every page works without it.
