"""A small version of every thesis experiment on the embedded synthetic data (no download).

Every stage runs — codec fitting, encoding, CIFAR-10-C generation, training, evaluation on
clean / compressed / corrupted data, BDA/BDAD/BDADS selection, a joined training set, the
report — in a few minutes on 2 CPU cores. Numbers from it say nothing about the thesis.
"""

PARTS = ["demo_cifar", "demo_tiny"]
