"""Plain nn.Modules with explicit arguments: no fairseq config in here."""
