// VitalsAlerting
