"""SkinScan: dermatoscopic skin-lesion classification (HAM10000) with Grad-CAM and dataset context."""

__version__ = "0.1.0"
