console.log("hydra")
