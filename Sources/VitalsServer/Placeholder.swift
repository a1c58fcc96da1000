// VitalsServer
