// VitalsProbes
