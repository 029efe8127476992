"""What people read: verdict and step tables, family pages, sequence diagrams, graph files, JUnit XML."""
