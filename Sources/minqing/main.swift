print("minqing")
