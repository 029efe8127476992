"""The engines: exhaustive BFS, the state graph and liveness, simulation, Hypothesis, Z3, computed figures, trace shrinking.  They return data and print nothing."""
