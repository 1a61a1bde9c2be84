import tensorflow as tf
tfk = tf.keras
tfkl = tf.keras.layers

input_shape = (128,256,3)

input_layer = tfkl.Input(shape=input_shape, name='input')

conv1 = tfkl.Conv2D(filters = 16, kernel_size = (5,5), strides=(1,1), padding='same', activation='relu', name='conv1')(input_layer)
mp1 = tfkl.MaxPooling2D(name='mp1')(conv1)

conv2 = tfkl.Conv2D(filters = 32, kernel_size = (3,3), strides=(1,1), padding='same', activation='relu', name='conv2')(mp1)
mp2 = tfkl.MaxPooling2D(name='mp2')(conv2)
dropout = tfkl.Dropout(0.3)(mp2)

conv3 = tfkl.Conv2D(filters = 128, kernel_size = (1,1), strides=(1,1), padding='same', activation='relu', name='conv3')(dropout)
batchNorm = tfkl.BatchNormalization(name='batchNorm')(conv3) #this normalizes each slice of the volume independently

convt1 = tfkl.Conv2DTranspose(filters = 32, kernel_size = (3,3), strides=(2,2), padding='same', activation='relu', name='convt1')(batchNorm)
convt2 = tfkl.Conv2DTranspose(filters = 16, kernel_size = (3,3), strides=(2,2), padding='same', activation='relu', name='convt2')(convt1)
output_layer = tfkl.Conv2DTranspose(filters = 3, kernel_size = (1,1), strides=(1,1), padding='same', activation='sigmoid', name='output')(convt2)

model = tfk.Model(inputs=input_layer, outputs=output_layer, name='model')
# Consider now the execution of the following command
model.summary()
